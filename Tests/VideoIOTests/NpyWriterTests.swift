import XCTest
@testable import VideoIO

/// `.npy` files follow NumPy's format 1.0 to the byte, streamed or whole.
final class NpyWriterTests: XCTestCase {
    private func parse(_ url: URL) throws -> (header: String, body: Data) {
        let data = try Data(contentsOf: url)
        XCTAssertEqual(Array(data.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + length) % 64, 0, "data must start 64-byte aligned")
        let header = String(decoding: data[10 ..< 10 + length], as: UTF8.self)
        XCTAssertTrue(header.hasSuffix("\n"))
        return (header, data.subdata(in: 10 + length ..< data.count))
    }

    func testStreamedRowsPatchTheLeadingDimension() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("frames.npy")
        let writer = try NpyWriter(url: url, elementType: .uint8, rowShape: [2, 3, 3])
        for row in 0..<5 { try writer.append([UInt8](repeating: UInt8(row), count: 18)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        try writer.finish()
        let (header, body) = try parse(url)
        XCTAssertTrue(header.contains("'descr': '|u1'") && header.contains("'shape': (5, 2, 3, 3)"), header)
        XCTAssertEqual(body.count, 90)
        XCTAssertEqual(body[18 * 4], 4)
    }

    func testWholeFloatArraysAndEdgeShapes() throws {
        let directory = try makeTemporaryDirectory(self)
        let floats = directory.appendingPathComponent("f.npy")
        try NpyWriter.write([1.5, -2, 0.25, 8], shape: [4], to: floats)
        let (header, body) = try parse(floats)
        XCTAssertTrue(header.contains("'<f4'") && header.contains("'shape': (4,)"), header)
        XCTAssertEqual(body, Data([1.5, -2, 0.25, 8].flatMap { (v: Float) in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }))

        let scalar = directory.appendingPathComponent("s.npy")
        try NpyWriter.write([Float(3)], shape: [], to: scalar)
        XCTAssertTrue(try parse(scalar).header.contains("'shape': ()"))

        let empty = directory.appendingPathComponent("e.npy")
        try NpyWriter.write([UInt8](), shape: [0, 4], to: empty)
        XCTAssertTrue(try parse(empty).header.contains("'shape': (0, 4)"))

        XCTAssertThrowsError(try NpyWriter.write([UInt8](repeating: 0, count: 5), shape: [2, 3], to: directory.appendingPathComponent("bad.npy")))
        XCTAssertEqual(try directoryEntries(directory), ["e.npy", "f.npy", "s.npy"])
    }

    func testPartialRowIsRejectedAndLeavesNothing() throws {
        let directory = try makeTemporaryDirectory(self)
        let writer = try NpyWriter(url: directory.appendingPathComponent("p.npy"), elementType: .float32, rowShape: [3])
        try writer.append([Float(1), 2])
        XCTAssertThrowsError(try writer.finish())
    }

    func testNumpyReadsIt() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("n.npy")
        try NpyWriter.write((0..<24).map(Float.init), shape: [2, 3, 4], to: url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy as np, sys; a = np.load(sys.argv[1]); assert a.shape == (2, 3, 4) and a[1, 2, 3] == 23, a", url.path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            // Distinguish "numpy missing" from "numpy rejects the file".
            let probe = Process()
            probe.executableURL = process.executableURL
            probe.arguments = ["python3", "-c", "import numpy"]
            try probe.run()
            probe.waitUntilExit()
            if probe.terminationStatus != 0 { throw XCTSkip("numpy not installed") }
        }
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
