import Foundation
import VideoIO
import XCTest

/// A phone clip held upright (stored landscape, with a 90° display matrix): `info` says so and
/// the size its frames are read at, `frames`, `predict` and `overlay` read them upright, and
/// `--keep-orientation` as stored.
final class RotationCLITests: XCTestCase {
    private func rotatedClip(in directory: URL, frames: Int = 4) throws -> String {
        let url = directory.appendingPathComponent("phone.mp4")
        let writer = try VideoWriter(url: url, width: 48, height: 32, fps: 24, options: WriteOptions(rotation: 90))
        for _ in 0..<frames { try writer.append(RGBFrame(width: 48, height: 32)) }
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

    /// The shape `prediction.npy` states, (frames, height, width, 3).
    private func npyShape(_ url: URL) throws -> [Int] {
        let header = String(decoding: try Data(contentsOf: url).prefix(128), as: UTF8.self)
        let shape = try XCTUnwrap(header.range(of: #"'shape': \(([0-9, ]+)\)"#, options: .regularExpression), header)
        return header[shape].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }

    func testPredictAndOverlayWorkOnTheUprightPictureUnlessTheOrientationIsKept() throws {
        let directory = try scratchDirectory(for: self)
        let clip = try rotatedClip(in: directory, frames: 12)
        for keep in [false, true] {
            let out = directory.appendingPathComponent("predict-\(keep)")
            let predict = try EbtvidProcess.run(["predict", clip, "--horizon", "2", "--out", out.path] + (keep ? ["--keep-orientation"] : []))
            XCTAssertEqual(predict.status, 0, predict.stderr)
            let shape = try npyShape(out.appendingPathComponent("prediction.npy"))
            XCTAssertEqual(shape.count, 4, "\(shape)")
            XCTAssertEqual(shape[1] > shape[2], !keep, "predicted frames \(shape[2])x\(shape[1]) with keep-orientation \(keep)")
            // The continuation at the clip's own size: 32x48 upright, 48x32 as stored.
            let continuation = try VideoReader(url: out.appendingPathComponent("continuation.mp4")).metadata
            XCTAssertEqual([continuation.width, continuation.height], keep ? [48, 32] : [32, 48])

            let video = directory.appendingPathComponent("overlay-\(keep).mp4")
            let overlay = try EbtvidProcess.run(["overlay", clip, "--size", "64", "--out", video.path] + (keep ? ["--keep-orientation"] : []))
            XCTAssertEqual(overlay.status, 0, overlay.stderr)
            let info = try EbtvidProcess.run(["info", "--json", video.path])
            let object = try XCTUnwrap((JSONSerialization.jsonObject(with: info.stdout) as? [[String: Any]])?.first)
            // The picture is 64 on its long side, above a strip under it as wide as the picture.
            XCTAssertEqual(object["width"] as? Int == 64, keep, "overlay \(object["width"] ?? "?") wide with keep-orientation \(keep)")
        }
    }
}
