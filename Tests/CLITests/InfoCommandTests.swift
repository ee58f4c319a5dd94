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
}
