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
        print("ok")
        """
        // Outside the assertion, so that a missing package skips the test instead of failing it.
        let status = try runPython(script, arguments: [url.path])
        XCTAssertEqual(status, 0)
    }
}
