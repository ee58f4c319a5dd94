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
        let header = #"{"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#
        var f16 = Data(); withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { f16.append(contentsOf: $0) }
        f16.append(contentsOf: Array(header.utf8) + [0, 0, 0, 0])
        XCTAssertThrowsError(try SafetensorsFile(data: f16)) { XCTAssertTrue("\($0)".contains("F16")) }
        XCTAssertThrowsError(try SafetensorsFile(contentsOf: folder.appendingPathComponent("missing.safetensors"))) {
            XCTAssertEqual($0 as? ModelFileError, .notFound(self.folder.appendingPathComponent("missing.safetensors").path))
        }
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
