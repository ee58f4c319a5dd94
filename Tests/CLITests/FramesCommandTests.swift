import XCTest

final class FramesCommandTests: XCTestCase {
    private var directory: URL!
    private var clip: String!

    override func setUpWithError() throws {
        directory = try scratchDirectory(for: self)
        clip = try synthesizedClip(in: directory, size: 48, frames: 12)
    }

    func testRawToStdoutAndFileAgree() throws {
        let stdout = try EbtvidProcess.run(["frames", clip, "--size", "16x8"])
        XCTAssertEqual(stdout.status, 0, stdout.stderr)
        XCTAssertEqual(stdout.stdout.count, 12 * 8 * 16 * 3)
        XCTAssertEqual(stdout.stderr, "", "stdout mode prints nothing else")

        let file = directory.appendingPathComponent("f.rgb")
        let toFile = try EbtvidProcess.run(["frames", clip, "--size", "16x8", "--out", file.path])
        XCTAssertEqual(toFile.status, 0, toFile.stderr)
        XCTAssertEqual(try Data(contentsOf: file), stdout.stdout)
    }

    func testSquareSizeStrideMaxFramesAndStart() throws {
        let all = try EbtvidProcess.run(["frames", clip, "--size", "8"]).stdout
        XCTAssertEqual(all.count, 12 * 8 * 8 * 3)
        let frameBytes = 8 * 8 * 3
        let picked = try EbtvidProcess.run(["frames", clip, "--size", "8x8", "--stride", "3", "--start", "1", "--max-frames", "3"])
        XCTAssertEqual(picked.status, 0, picked.stderr)
        // Frames 1, 4 and 7 of the full output, byte for byte.
        let expected = [1, 4, 7].map { all.subdata(in: $0 * frameBytes ..< ($0 + 1) * frameBytes) }.reduce(Data(), +)
        XCTAssertEqual(picked.stdout, expected)
        let halfRate = try EbtvidProcess.run(["frames", clip, "--size", "8", "--fps", "12"])
        XCTAssertEqual(halfRate.stdout.count, 6 * frameBytes)
    }

    func testNpyHasShapeAndSameBytesAsRaw() throws {
        let npy = directory.appendingPathComponent("frames.npy")
        let result = try EbtvidProcess.run(["frames", clip, "--size", "20x10", "--out", npy.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderrLines, ["wrote 12 frames of 20x10 to \(npy.path)"])
        let data = try Data(contentsOf: npy)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10 ..< 10 + headerLength], as: UTF8.self)
        XCTAssertTrue(header.contains("'descr': '|u1'") && header.contains("'shape': (12, 10, 20, 3)"), header)
        let raw = try EbtvidProcess.run(["frames", clip, "--size", "20x10"]).stdout
        XCTAssertEqual(data.subdata(in: 10 + headerLength ..< data.count), raw)
    }

    func testStretchDiffersFromCrop() throws {
        let crop = try EbtvidProcess.run(["frames", clip, "--size", "16x8", "--max-frames", "1"]).stdout
        let stretch = try EbtvidProcess.run(["frames", clip, "--size", "16x8", "--max-frames", "1", "--stretch"]).stdout
        XCTAssertEqual(crop.count, stretch.count)
        XCTAssertNotEqual(crop, stretch)
    }

    func testExistingOutputSurvivesAFailedRun() throws {
        let out = directory.appendingPathComponent("keep.npy")
        try Data("precious".utf8).write(to: out)
        let result = try EbtvidProcess.run(["frames", directory.appendingPathComponent("missing.mp4").path, "--out", out.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(try Data(contentsOf: out), Data("precious".utf8))
    }
}
