import FileSystem
import Foundation

/// Writes NumPy `.npy` arrays (format 1.0, C order) so analysis in Python is `np.load(path)`.
/// Rows stream in one at a time and the leading dimension is patched into the header at the end,
/// so arrays of unknown length (frames of a clip) never sit in memory. Written atomically.
public final class NpyWriter {
    /// Element types the rest of ebtvid stores.
    public enum ElementType: Sendable {
        case uint8, float32

        var descriptor: String { self == .uint8 ? "|u1" : "<f4" }
        var byteCount: Int { self == .uint8 ? 1 : 4 }
    }

    public let elementType: ElementType
    /// Every dimension but the first: the shape of one row (e.g. [H, W, 3] for frames).
    public let rowShape: [Int]
    /// Rows written so far: the array's leading dimension.
    public private(set) var rowCount = 0
    private let file: AtomicFile
    private let headerLength: Int
    private let rowBytes: Int
    private var bytesInPartialRow = 0

    public init(url: URL, elementType: ElementType, rowShape: [Int]) throws {
        guard rowShape.allSatisfy({ $0 >= 0 }) else {
            throw VideoIOError.invalidOption("npy shape \(rowShape) has a negative dimension")
        }
        self.elementType = elementType
        self.rowShape = rowShape
        self.rowBytes = rowShape.reduce(elementType.byteCount, *)
        // Reserve room for the widest leading dimension so the final header fits in place.
        self.headerLength = Self.header(elementType, shape: [Int.max] + rowShape).count
        self.file = try AtomicFile(url: url)
        try Self.header(elementType, shape: [0] + rowShape, length: headerLength).withUnsafeBytes { try file.write($0) }
    }

    /// Appends raw little-endian element bytes; the total must come to whole rows by `finish()`.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        try file.write(bytes)
        let total = bytesInPartialRow + bytes.count
        rowCount += rowBytes == 0 ? 0 : total / rowBytes
        bytesInPartialRow = rowBytes == 0 ? 0 : total % rowBytes
    }

    public func append(_ values: [UInt8]) throws {
        precondition(elementType == .uint8, "NpyWriter: appending UInt8 to a \(elementType) array")
        try values.withUnsafeBytes { try append($0) }
    }

    public func append(_ values: [Float]) throws {
        precondition(elementType == .float32, "NpyWriter: appending Float to a \(elementType) array")
        #if _endian(big)
        try values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { try append($0) }
        #else
        try values.withUnsafeBytes { try append($0) }
        #endif
    }

    /// Writes the final shape into the header and moves the file into place.
    public func finish() throws {
        guard bytesInPartialRow == 0 else {
            throw VideoIOError.cannotWrite(path: file.url.relativePath, reason: "data ends in the middle of a row of shape \(rowShape)")
        }
        try Self.header(elementType, shape: [rowCount] + rowShape, length: headerLength).withUnsafeBytes {
            try file.write($0, at: 0)
        }
        try file.commit()
    }

    /// Writes a whole array in one call; `shape`'s product must equal `values.count`.
    public static func write(_ values: [UInt8], shape: [Int], to url: URL) throws {
        let writer = try NpyWriter(url: url, elementType: .uint8, rowShape: try rowShape(of: shape, count: values.count))
        try writer.append(values)
        try writer.finishWhole(leading: shape.first)
    }

    public static func write(_ values: [Float], shape: [Int], to url: URL) throws {
        let writer = try NpyWriter(url: url, elementType: .float32, rowShape: try rowShape(of: shape, count: values.count))
        try writer.append(values)
        try writer.finishWhole(leading: shape.first)
    }

    /// A 0-d array is written as one row of shape [] and then declared shapeless.
    private func finishWhole(leading: Int?) throws {
        guard let leading else {
            try Self.header(elementType, shape: [], length: headerLength).withUnsafeBytes { try file.write($0, at: 0) }
            try file.commit()
            return
        }
        // Rows of zero bytes cannot be counted from the data, so the shape states the count.
        rowCount = leading
        try finish()
    }

    private static func rowShape(of shape: [Int], count: Int) throws -> [Int] {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == count else {
            throw VideoIOError.invalidOption("npy shape \(shape) does not hold \(count) values")
        }
        return Array(shape.dropFirst())
    }

    /// The magic, version, header length and the Python-literal header dict, padded with spaces
    /// and a newline so the data starts on a 64-byte boundary (as NumPy writes it).
    static func header(_ type: ElementType, shape: [Int], length: Int = 0) -> [UInt8] {
        let dimensions = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        let dict = "{'descr': '\(type.descriptor)', 'fortran_order': False, 'shape': (\(dimensions)), }"
        let prefixLength = 10
        var total = prefixLength + dict.utf8.count + 1
        total = max((total + 63) / 64 * 64, length)
        let padded = dict + String(repeating: " ", count: total - prefixLength - dict.utf8.count - 1) + "\n"
        let dictLength = UInt16(padded.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dictLength & 0xff), UInt8(dictLength >> 8)] + Array(padded.utf8)
    }
}
