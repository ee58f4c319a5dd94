import FileSystem
import Foundation

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data. Python's `safetensors` opens what
/// this writes; the loader checks every offset and shape so a damaged file is an error, not a crash.
/// Damage inside the data leaves offsets and shapes intact, so the writer also stores each tensor's
/// CRC-32 in the metadata (`crc32.NAME`, eight hex digits, Python's `zlib.crc32` of its bytes)
/// and the loader checks it.
public struct SafetensorsFile {
    /// One stored Float32 array.
    public struct Entry: Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) {
            precondition(SafetensorsFile.valueCount(shape, atMost: values.count) == values.count, "shape \(shape) does not hold \(values.count) values")
            self.shape = shape
            self.values = values
        }
    }

    /// Free-form string pairs stored under `__metadata__` (the model config lives here); the
    /// checksums are kept apart from them.
    public var metadata: [String: String]
    public var entries: [String: Entry]
    /// Whether the file as read stored no checksums (it was written before they existed), so its
    /// tensors are loaded unverified.
    public private(set) var loadedWithoutChecksums = false

    /// The metadata key prefix of a tensor's checksum.
    static let checksumPrefix = "crc32."

    public init(metadata: [String: String] = [:], entries: [String: Entry] = [:]) {
        self.metadata = metadata
        self.entries = entries
    }

    /// Serialises the whole file with each tensor's checksum; tensors are laid out in name order so
    /// equal content gives equal bytes.
    public func encoded() throws -> Data {
        var header: [String: Any] = [:]
        var stored = metadata
        var body = Data(capacity: entries.values.reduce(0) { $0 + $1.values.count * 4 })
        for name in entries.keys.sorted() {
            let begin = body.count
            entries[name]!.values.withUnsafeBufferPointer { values in
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            }
            header[name] = ["dtype": "F32", "shape": entries[name]!.shape, "data_offsets": [begin, body.count]] as [String: Any]
            stored[Self.checksumPrefix + name] = Self.checksum(of: body, begin..<body.count)
        }
        if !stored.isEmpty { header["__metadata__"] = stored }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // The format pads the header with spaces so the data starts 8-byte aligned.
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var data = Data(capacity: 8 + json.count + body.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(body)
        return data
    }

    /// The CRC-32 of `data[range]` as stored: eight lowercase hex digits.
    static func checksum(of data: Data, _ range: Range<Int>) -> String {
        let value = data.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[range])) }
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Writes through a hidden temporary file in the same folder renamed into place
    /// (`AtomicFile`), so an interrupted save never leaves a half-written model where the
    /// previous one was, and a leftover of a killed run is cleaned by the next.
    public func write(to url: URL) throws {
        try AtomicFile.write(try encoded(), to: url)
    }

    public init(contentsOf url: URL) throws {
        switch try FileKind.at(url.path) {
        case nil: throw ModelFileError.notFound(url.path)
        case .regular?: break
        case let kind?: throw ModelFileError.corrupt(url.path, reason: "it is \(kind.noun)")
        }
        let data = try FileSystemError.naming(url.path, .read) { try Data(contentsOf: url) }
        try self.init(data: data, path: url.path)
    }

    /// Parses and validates a whole file held in memory; `path` only names it in errors.
    public init(data: Data, path: String = "<memory>") throws {
        func corrupt(_ why: String) -> ModelFileError { .corrupt(path, reason: why) }
        guard data.count >= 8 else { throw corrupt("shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else { throw corrupt("header length \(headerLength) runs past the end of the file (truncated?)") }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw corrupt("header is not a JSON object (not a safetensors file?)")
        }
        let body = data.subdata(in: (8 + Int(headerLength))..<data.count)
        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        var spans: [String: Range<Int>] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let pairs = value as? [String: String] else { throw corrupt("__metadata__ must map strings to strings") }
                metadata = pairs
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw corrupt("tensor '\(name)' has a malformed header entry")
            }
            guard dtype == "F32" else { throw corrupt("tensor '\(name)' has dtype \(dtype); only F32 is supported") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw corrupt("tensor '\(name)' has a negative dimension") }
            let (begin, end) = (offsets[0], offsets[1])
            guard let count = Self.valueCount(shape, atMost: body.count / 4) else {
                throw corrupt("tensor '\(name)' has shape \(shape), more values than the file's \(body.count) bytes of data hold")
            }
            guard begin >= 0, end >= begin, end <= body.count else { throw corrupt("tensor '\(name)' data [\(begin), \(end)) lies outside the file (truncated?)") }
            guard end - begin == count * 4 else { throw corrupt("tensor '\(name)' has \(end - begin) bytes for shape \(shape)") }
            var values = [Float](repeating: 0, count: count)
            body.withUnsafeBytes { raw in
                values.withUnsafeMutableBytes { out in out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[begin..<end])) }
            }
            // Stored little-endian; this is a no-op on x86_64 and arm64 but keeps the format honest.
            for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
            entries[name] = Entry(shape: shape, values: values)
            spans[name] = begin..<end
        }
        let sorted = spans.values.sorted { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.lowerBound < a.upperBound { throw corrupt("tensor data ranges overlap") }
        let checksums = metadata.filter { $0.key.hasPrefix(Self.checksumPrefix) }
        if checksums.isEmpty {
            loadedWithoutChecksums = !entries.isEmpty
        } else {
            for (name, span) in spans.sorted(by: { $0.key < $1.key }) {
                guard let stored = checksums[Self.checksumPrefix + name] else {
                    throw corrupt("tensor '\(name)' has no checksum, though the file's other tensors have")
                }
                guard stored.lowercased() == Self.checksum(of: body, span) else {
                    throw corrupt("tensor '\(name)' does not match its checksum: its data is damaged")
                }
            }
            for key in checksums.keys.sorted() where entries[String(key.dropFirst(Self.checksumPrefix.count))] == nil {
                throw corrupt("the checksum \(key) names a tensor the file does not hold")
            }
        }
        self.metadata = metadata.filter { !$0.key.hasPrefix(Self.checksumPrefix) }
        self.entries = entries
    }

    /// The number of values in `shape` (dimensions not negative) when it is at most `limit`, else
    /// nil: a header can claim any shape, and its product must neither overflow nor exceed the data.
    static func valueCount(_ shape: [Int], atMost limit: Int) -> Int? {
        if shape.contains(0) { return 0 }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= limit else { return nil }
            count = product
        }
        return count
    }

    /// The entry called `name` with exactly `shape`, or an error saying what is wrong.
    public func entry(_ name: String, shape: [Int], path: String = "<model>") throws -> Entry {
        guard let entry = entries[name] else { throw ModelFileError.missingTensor(path, name: name) }
        guard entry.shape == shape else { throw ModelFileError.wrongShape(path, name: name, expected: shape, found: entry.shape) }
        return entry
    }
}
