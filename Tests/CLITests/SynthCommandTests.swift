import VideoIO
import XCTest

final class SynthCommandTests: XCTestCase {
    func testSameSeedSameClipsWithSidecars() throws {
        let directory = try scratchDirectory(for: self)
        let first = directory.appendingPathComponent("a"), second = directory.appendingPathComponent("b")
        let other = directory.appendingPathComponent("c")
        for (url, seed) in [(first, "5"), (second, "5"), (other, "6")] {
            let result = try EbtvidProcess.run(["synth", "--out", url.path, "--count", "4", "--frames", "10",
                                                "--size", "32", "--seed", seed, "--fps", "12"])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: first.path).sorted()
        XCTAssertEqual(names, ["s5-000-bouncing.json", "s5-000-bouncing.mp4", "s5-001-pan.json", "s5-001-pan.mp4",
                               "s5-002-zoom.json", "s5-002-zoom.mp4", "s5-003-bouncing.json", "s5-003-bouncing.mp4"])
        for name in names where name.hasSuffix(".mp4") {
            let a = try EbtvidProcess.run(["frames", first.appendingPathComponent(name).path]).stdout
            let b = try EbtvidProcess.run(["frames", second.appendingPathComponent(name).path]).stdout
            XCTAssertEqual(a.count, 10 * 32 * 32 * 3)
            XCTAssertEqual(a, b, "\(name) differs between two runs with the same seed")
            let c = try EbtvidProcess.run(["frames", other.appendingPathComponent(name.replacingOccurrences(of: "s5", with: "s6")).path]).stdout
            XCTAssertNotEqual(a, c)
        }
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: first.appendingPathComponent("s5-003-bouncing.json"))) as? [String: Any])
        XCTAssertEqual(sidecar["kind"] as? String, "bouncing")
        XCTAssertEqual(sidecar["frames"] as? Int, 10)
        XCTAssertEqual(sidecar["fps"] as? Double, 12)
        XCTAssertEqual(sidecar["size"] as? Int, 32)
        XCTAssertEqual(sidecar["set_seed"] as? Int, 5)
        XCTAssertNotNil(sidecar["seed"] as? UInt64)
        XCTAssertFalse((sidecar["surprise_frames"] as? [Int] ?? []).isEmpty, "clip 3 carries surprises")
    }

    func testPhotosFolderGivesPhotoClipsOrOneClearError() throws {
        let directory = try scratchDirectory(for: self)
        let photos = directory.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        let writer = try VideoWriter(url: photos.appendingPathComponent("sky.jpg"), width: 96, height: 64, fps: 1,
                                     options: WriteOptions(codec: .mjpeg))
        try writer.append(RGBFrame(width: 96, height: 64, pixels: (0..<96 * 64).flatMap { [UInt8(40 + $0 % 96), 120, 210] }))
        try writer.finish()

        let out = directory.appendingPathComponent("clips")
        let result = try EbtvidProcess.run(["synth", "--out", out.path, "--count", "3", "--frames", "6", "--size", "32",
                                            "--seed", "4", "--photos", photos.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".mp4") }.sorted(),
                       ["s4-000-bouncing-photo.mp4", "s4-001-pan-photo.mp4", "s4-002-zoom-photo.mp4"])
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("s4-001-pan-photo.json"))) as? [String: Any])
        XCTAssertEqual(sidecar["photo"] as? String, photos.appendingPathComponent("sky.jpg").path)

        try Data("garbage".utf8).write(to: photos.appendingPathComponent("torn.png"))
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for (folder, expected) in [(photos, "torn.png"), (empty, "no .jpg, .jpeg or .png photos")] {
            let target = directory.appendingPathComponent("never")
            let failed = try EbtvidProcess.run(["synth", "--out", target.path, "--photos", folder.path])
            XCTAssertNotEqual(failed.status, 0)
            XCTAssertEqual(failed.stderrLines.count, 1, failed.stderr)
            XCTAssertTrue(failed.stderr.hasPrefix("error: ") && failed.stderr.contains(expected), failed.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "a failed synth left a folder")
        }
    }

    func testRejectsOddSizeAndZeroCount() throws {
        let directory = try scratchDirectory(for: self)
        for flags in [["--size", "33"], ["--count", "0"], ["--frames", "-4"], ["--fps", "0"]] {
            let result = try EbtvidProcess.run(["synth", "--out", directory.path] + flags)
            XCTAssertEqual(result.status, 64, "\(flags): \(result.stderr)")
            XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
