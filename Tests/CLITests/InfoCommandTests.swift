import XCTest

final class InfoCommandTests: XCTestCase {
    func testTextAndJSONMetadata() throws {
        let directory = try scratchDirectory(for: self)
        let clip = try synthesizedClip(in: directory, size: 48, frames: 12)
        let text = try EbtvidProcess.run(["info", clip])
        XCTAssertEqual(text.status, 0, text.stderr)
        let output = String(decoding: text.stdout, as: UTF8.self)
        for expected in [clip, "h264 (yuv420p)", "48x48", "24.000", "0.500 s", "frames     12"] {
            XCTAssertTrue(output.contains(expected), "missing \(expected) in\n\(output)")
        }

        let second = directory.appendingPathComponent("s3-001-pan.mp4").path
        let json = try EbtvidProcess.run(["info", "--json", clip, second])
        XCTAssertEqual(json.status, 0, json.stderr)
        let objects = try XCTUnwrap(JSONSerialization.jsonObject(with: json.stdout) as? [[String: Any]])
        XCTAssertEqual(objects.count, 2)
        XCTAssertEqual(objects[0]["codec"] as? String, "h264")
        XCTAssertEqual(objects[0]["width"] as? Int, 48)
        XCTAssertEqual(objects[0]["frame_count"] as? Int, 12)
        XCTAssertEqual(objects[1]["path"] as? String, second)
        XCTAssertEqual(objects[1]["rotation"] as? Int, 0)
    }

    func testOneBadClipIsReportedAndTheOthersStillPrinted() throws {
        let directory = try scratchDirectory(for: self)
        let clip = try synthesizedClip(in: directory)
        let missing = directory.appendingPathComponent("gone.mp4").path
        let result = try EbtvidProcess.run(["info", missing, clip])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines, ["error: \(missing): no such file"])
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains(clip))
    }

    /// A PNG whose header claims 65535x65535: FFmpeg refuses the size and leaves it unset, which
    /// `info` printed as a 0x0 clip with exit 0.
    func testAPictureSizeFFmpegRefusesIsAnError() throws {
        let directory = try scratchDirectory(for: self)
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func chunk(_ type: String, _ body: [UInt8]) {
            png += [0, 0, 0, UInt8(body.count)] + Array(type.utf8) + body + [0, 0, 0, 0]  // FFmpeg does not check the CRC
        }
        chunk("IHDR", [0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 8, 2, 0, 0, 0])
        chunk("IEND", [])
        let path = directory.appendingPathComponent("huge.png").path
        try png.write(to: URL(fileURLWithPath: path))
        let result = try EbtvidProcess.run(["info", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines, ["error: \(path): cannot read as video (the video stream has no usable frame size: Picture size 65535x65535 is invalid)"])
        XCTAssertEqual(result.stdout, Data())
    }
}
