import Foundation
import XCTest

/// A model file taken apart into its JSON header and its data, so a test can damage one field or
/// one tensor the way a hostile or corrupted file would, then write the result. It works on the
/// bytes alone: the CLI tests see the model format only as a user's file does.
struct SafetensorsSurgery {
    /// The shipped default model in the source tree, read but never written.
    static let defaultModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/DefaultModel/Resources/default-model.safetensors")

    var header: [String: Any]
    var data: Data

    init(contentsOf url: URL = Self.defaultModel) throws {
        let bytes = try Data(contentsOf: url)
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        header = try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as? [String: Any])
        data = bytes.subdata(in: (8 + length)..<bytes.count)
    }

    /// Merges `changes` into the JSON object stored as the metadata string `key` ("config", "codec").
    mutating func edit(metadata key: String, _ changes: [String: Any]) throws {
        var metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(metadata[key]).utf8)) as? [String: Any])
        object.merge(changes) { $1 }
        metadata[key] = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        header["__metadata__"] = metadata
    }

    /// Merges `changes` into tensor `name`'s header entry (its "shape" or "data_offsets").
    mutating func edit(tensor name: String, _ changes: [String: Any]) throws {
        var entry = try XCTUnwrap(header[name] as? [String: Any], "no tensor \(name)")
        entry.merge(changes) { $1 }
        header[name] = entry
    }

    /// Overwrites every value of tensor `name` with `value`, leaving its header as it was but for the
    /// checksums, which go: the file then reads as one written before checksums, whose damaged
    /// values reach the model (a checksum would catch them first).
    mutating func fill(tensor name: String, with value: Float) throws {
        let offsets = try XCTUnwrap((header[name] as? [String: Any])?["data_offsets"] as? [Int], "no tensor \(name)")
        if let metadata = header["__metadata__"] as? [String: String] {
            header["__metadata__"] = metadata.filter { !$0.key.hasPrefix("crc32.") }
        }
        for offset in stride(from: offsets[0], to: offsets[1], by: 4) {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.replaceSubrange(offset..<(offset + 4), with: $0) }
        }
    }

    func write(to url: URL) throws {
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        try (file + json + data).write(to: url)
    }
}
