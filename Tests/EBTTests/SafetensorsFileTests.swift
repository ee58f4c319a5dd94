import Foundation
import XCTest
@testable import EBT

final class SafetensorsFileTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    var sample: SafetensorsFile {
        SafetensorsFile(metadata: ["format": "ebtvid", "version": "1"], entries: [
            "a.weight": .init(shape: [2, 3], values: [1, -2, 3.5, 4, 5e-8, -6e7]),
            "b": .init(shape: [4], values: [0, .pi, -1, 1]),
        ])
    }

    func testRoundTripIsExactAndFileIsAligned() throws {
        let url = folder.appendingPathComponent("m.safetensors")
        try sample.write(to: url)
        let loaded = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(loaded.metadata, sample.metadata)
        XCTAssertEqual(loaded.entries, sample.entries)
        let data = try Data(contentsOf: url)
        let headerLength = Int(data[0]) | Int(data[1]) << 8
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(data.count, 8 + headerLength + 10 * 4)
        // No temporary file is left beside it.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["m.safetensors"])
    }

    func testDamagedFilesAreRejectedWithAReason() throws {
        let good = try sample.encoded()
        let cases: [(String, Data)] = [
            ("empty", Data()),
            ("truncated data", good.prefix(good.count - 4)),
            ("truncated header", good.prefix(20)),
            ("random bytes", Data((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })),
            ("header not JSON", Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("not json".utf8))),
        ]
        for (name, data) in cases {
            XCTAssertThrowsError(try SafetensorsFile(data: data, path: "x.safetensors"), name) { error in
                guard case ModelFileError.corrupt(let path, _) = error else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(path, "x.safetensors")
            }
        }
        // A foreign dtype is named in the error.
        let f16 = crafted(header: #"{"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, dataBytes: 4)
        XCTAssertThrowsError(try SafetensorsFile(data: f16)) { XCTAssertTrue("\($0)".contains("F16")) }
        XCTAssertThrowsError(try SafetensorsFile(contentsOf: folder.appendingPathComponent("missing.safetensors"))) {
            XCTAssertEqual($0 as? ModelFileError, .notFound(self.folder.appendingPathComponent("missing.safetensors").path))
        }
    }

    /// A file of `header` followed by `dataBytes` zero bytes of tensor data.
    func crafted(header: String, dataBytes: Int) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        return data + Data(header.utf8) + Data(count: dataBytes)
    }

    /// Shapes whose product overflows Int, or merely exceeds the data, are refused before any
    /// arithmetic or allocation on them.
    func testShapesLargerThanTheFileAreRefused() throws {
        let shapes = ["[4611686018427387904, 4]", "[9223372036854775807]", "[2147483648, 2147483648, 4]",
                      "[3037000500, 3037000500]", "[5]", "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3]"]
        for shape in shapes {
            let data = crafted(header: #"{"t":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,8]}}"#, dataBytes: 8)
            XCTAssertThrowsError(try SafetensorsFile(data: data, path: "big.safetensors"), shape) { error in
                XCTAssertTrue("\(error)".contains("big.safetensors") && "\(error)".contains("tensor 't'"), "\(shape): \(error)")
            }
        }
        // Byte counts whose arithmetic would overflow, and shapes that are not whole numbers.
        for entry in [#""shape":[2305843009213693952],"data_offsets":[0,9223372036854775807]"#,
                      #""shape":[1e30],"data_offsets":[0,8]"#, #""shape":[2.5],"data_offsets":[0,8]"#,
                      #""shape":[2],"data_offsets":[-8,0]"#] {
            let data = crafted(header: #"{"t":{"dtype":"F32","# + entry + "}}", dataBytes: 8)
            XCTAssertThrowsError(try SafetensorsFile(data: data, path: "big.safetensors"), entry)
        }
        // Zero-sized dimensions hold nothing, whatever the others claim, and a fitting shape loads.
        let empty = crafted(header: #"{"t":{"dtype":"F32","shape":[9223372036854775807, 2, 0],"data_offsets":[0,0]}}"#, dataBytes: 0)
        XCTAssertEqual(try SafetensorsFile(data: empty).entries["t"]?.values, [])
        let fits = crafted(header: #"{"t":{"dtype":"F32","shape":[1, 2],"data_offsets":[0,8]}}"#, dataBytes: 8)
        XCTAssertEqual(try SafetensorsFile(data: fits).entries["t"]?.values, [0, 0])
    }

    /// `data` with its JSON header changed by `edit` and its tensor data as it was.
    func reheadered(_ data: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
        let length = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        edit(&header)
        return crafted(header: String(decoding: try JSONSerialization.data(withJSONObject: header), as: UTF8.self), dataBytes: 0)
            + data.subdata(in: (8 + length)..<data.count)
    }

    /// Each tensor's checksum is written and checked: a changed byte anywhere in a tensor's data
    /// is an error naming that tensor, where offsets and shapes alone let it load.
    func testChecksumsCatchDamagedDataNamingTheTensor() throws {
        let good = try sample.encoded()
        let loaded = try SafetensorsFile(data: good)
        XCTAssertFalse(loaded.loadedWithoutChecksums)
        XCTAssertEqual(loaded.metadata, sample.metadata, "checksums are kept apart from the metadata")
        let dataStart = good.count - 10 * 4
        for (name, offset) in [("a.weight", 0), ("a.weight", 23), ("b", 24), ("b", 39)] {
            var damaged = good
            damaged[dataStart + offset] ^= 0x10
            XCTAssertThrowsError(try SafetensorsFile(data: damaged, path: "x.safetensors"), "\(offset)") { error in
                XCTAssertEqual("\(error)", "x.safetensors: not a valid ebtvid model: tensor '\(name)' does not match its checksum: its data is damaged")
            }
        }
        // A checksum removed, or naming a tensor that is not there, is damage too.
        func metadata(_ change: @escaping (inout [String: String]) -> Void) throws -> Data {
            try reheadered(good) { header in
                var pairs = header["__metadata__"] as! [String: String]
                change(&pairs)
                header["__metadata__"] = pairs
            }
        }
        XCTAssertThrowsError(try SafetensorsFile(data: try metadata { $0["crc32.b"] = nil })) { XCTAssertTrue("\($0)".contains("tensor 'b' has no checksum"), "\($0)") }
        XCTAssertThrowsError(try SafetensorsFile(data: try metadata { $0["crc32.c"] = "00000000" })) { XCTAssertTrue("\($0)".contains("crc32.c"), "\($0)") }
        // A file written before checksums existed loads, and says it was not verified.
        let old = try SafetensorsFile(data: try metadata { $0 = $0.filter { !$0.key.hasPrefix("crc32.") } })
        XCTAssertTrue(old.loadedWithoutChecksums)
        XCTAssertEqual(old.entries, sample.entries)
    }

    /// The standard check value of CRC-32 (IEEE), the one Python's zlib.crc32 gives.
    func testCRC32MatchesTheStandard() {
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }, 0xCBF4_3926)
        XCTAssertEqual([UInt8]().withUnsafeBytes { CRC32.checksum($0) }, 0)
        XCTAssertEqual(SafetensorsFile.checksum(of: Data("123456789".utf8), 0..<9), "cbf43926")
        XCTAssertEqual(SafetensorsFile.checksum(of: Data([0]), 0..<1), "d202ef8d")
    }

    func testEntryLookupChecksShape() throws {
        XCTAssertEqual(try sample.entry("b", shape: [4]).values.count, 4)
        XCTAssertThrowsError(try sample.entry("b", shape: [2, 2])) { XCTAssertTrue("\($0)".contains("expected [2, 2]")) }
        XCTAssertThrowsError(try sample.entry("c", shape: [1])) { XCTAssertTrue("\($0)".contains("missing tensor 'c'")) }
    }

    /// Python's reference implementation must read our files; skipped where it is not installed.
    func testPythonSafetensorsOpensTheFile() throws {
        let url = folder.appendingPathComponent("py.safetensors")
        try sample.write(to: url)
        let script = """
        import sys
        try:
            from safetensors.numpy import load_file
            from safetensors import safe_open
        except ImportError:
            sys.exit(77)
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="numpy") as f:
            meta = f.metadata()
        assert meta["version"] == "1", meta
        assert t["a.weight"].shape == (2, 3) and abs(float(t["a.weight"][1, 2]) + 6e7) < 1, t
        assert abs(float(t["b"][1]) - 3.14159265) < 1e-6
        import zlib
        assert meta["crc32.b"] == "%08x" % zlib.crc32(t["b"].astype("<f4").tobytes()), meta
        print("ok")
        """
        // Outside the assertion, so that a missing package skips the test instead of failing it.
        let status = try runPython(script, arguments: [url.path])
        XCTAssertEqual(status, 0)
    }
}
