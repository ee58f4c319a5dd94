import Foundation
import VideoIO
import XCTest

/// A phone clip held upright (stored landscape, with a 90° display matrix): `info` says so and
/// the size its frames are read at, `frames` reads them upright, and `--keep-orientation` as stored.
final class RotationCLITests: XCTestCase {
    private func rotatedClip(in directory: URL) throws -> String {
        let url = directory.appendingPathComponent("phone.mp4")
        let writer = try VideoWriter(url: url, width: 48, height: 32, fps: 24, options: WriteOptions(rotation: 90))
        for _ in 0..<4 { try writer.append(RGBFrame(width: 48, height: 32)) }
        try writer.finish()
        return url.path
    }

    func testInfoReportsTheRotationAndTheUprightSize() throws {
        let clip = try rotatedClip(in: try scratchDirectory(for: self))
        let text = try EbtvidProcess.run(["info", clip])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = String(decoding: text.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("  size       48x32"), "\(lines)")
        XCTAssertTrue(lines.contains("  rotation   90 (read upright as 32x48; --keep-orientation reads it as stored)"), "\(lines)")
        let json = try EbtvidProcess.run(["info", "--json", clip])
        let objects = try XCTUnwrap(JSONSerialization.jsonObject(with: json.stdout) as? [[String: Any]])
        XCTAssertEqual(objects.first?["rotation"] as? Int, 90)
    }

    func testFramesAreReadUprightUnlessTheOrientationIsKept() throws {
        let directory = try scratchDirectory(for: self)
        let clip = try rotatedClip(in: directory)
        let upright = directory.appendingPathComponent("upright.rgb"), stored = directory.appendingPathComponent("stored.rgb")
        let turned = try EbtvidProcess.run(["frames", clip, "--out", upright.path])
        XCTAssertEqual(turned.stderrLines, ["wrote 4 frames of 32x48 to \(upright.path)"])
        let kept = try EbtvidProcess.run(["frames", clip, "--keep-orientation", "--out", stored.path])
        XCTAssertEqual(kept.stderrLines, ["wrote 4 frames of 48x32 to \(stored.path)"])
    }
}
