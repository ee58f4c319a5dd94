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

    /// A photo with detail in it (a camera set prefers textured photos), written as a one-frame MJPEG.
    private func writeTexturedPhoto(to url: URL, tint: Int) throws {
        let writer = try VideoWriter(url: url, width: 96, height: 64, fps: 1, options: WriteOptions(codec: .mjpeg))
        var pixels: [UInt8] = []
        for y in 0..<64 {
            for x in 0..<96 {
                let detail = ((x / 2 * 7 + y / 2 * 13 + x * y / 5) % 9) * 12
                pixels += [UInt8(40 + tint + detail), UInt8(120 + detail / 2), UInt8(200 - tint)]
            }
        }
        try writer.append(RGBFrame(width: 96, height: 64, pixels: pixels))
        try writer.finish()
    }

    func testCameraKindWritesNonSquareClipsWithCuts() throws {
        let directory = try scratchDirectory(for: self)
        let photos = directory.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try writeTexturedPhoto(to: photos.appendingPathComponent("a.jpg"), tint: 0)
        try writeTexturedPhoto(to: photos.appendingPathComponent("b.jpg"), tint: 90)

        let out = directory.appendingPathComponent("camera"), again = directory.appendingPathComponent("again")
        for (url, size) in [(out, ["--size", "48x32"]), (again, ["--width", "48", "--height", "32"])] {
            let result = try EbtvidProcess.run(["synth", "--kind", "camera", "--out", url.path, "--count", "2", "--frames", "8",
                                                "--seed", "4", "--photos", photos.path, "--cut-every", "2"] + size)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(names, ["s4-000-camera-photo.json", "s4-000-camera-photo.mp4",
                               "s4-001-camera-photo.json", "s4-001-camera-photo.mp4"])
        for name in names where name.hasSuffix(".mp4") {
            let frames = try EbtvidProcess.run(["frames", out.appendingPathComponent(name).path]).stdout
            XCTAssertEqual(frames.count, 8 * 48 * 32 * 3)
            XCTAssertEqual(frames, try EbtvidProcess.run(["frames", again.appendingPathComponent(name).path]).stdout,
                           "--width/--height and --size WxH should make the same clip")
        }
        for (index, cuts) in [(0, false), (1, true)] {
            let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(
                with: Data(contentsOf: out.appendingPathComponent("s4-00\(index)-camera-photo.json"))) as? [String: Any])
            XCTAssertEqual(sidecar["kind"] as? String, "camera")
            XCTAssertEqual(sidecar["width"] as? Int, 48)
            XCTAssertEqual(sidecar["height"] as? Int, 32)
            XCTAssertNil(sidecar["size"])
            let surprises = try XCTUnwrap(sidecar["surprise_frames"] as? [Int])
            XCTAssertEqual(!surprises.isEmpty, cuts, "clip \(index): \(surprises)")
            let camera = try XCTUnwrap(sidecar["camera"] as? [String: Any])
            let shots = try XCTUnwrap(camera["shots"] as? [[String: Any]])
            XCTAssertEqual(shots.map { $0["frame"] as? Int }, cuts ? [0, surprises[0]] : [0])
            XCTAssertFalse((sidecar["photos"] as? [String] ?? []).isEmpty)
        }

        // The mixed kinds take non-square frames too.
        let mixed = directory.appendingPathComponent("mixed")
        let result = try EbtvidProcess.run(["synth", "--out", mixed.path, "--count", "3", "--frames", "4", "--size", "48x32"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for name in ["s0-000-bouncing.mp4", "s0-001-pan.mp4", "s0-002-zoom.mp4"] {
            XCTAssertEqual(try EbtvidProcess.run(["frames", mixed.appendingPathComponent(name).path]).stdout.count, 4 * 48 * 32 * 3)
        }
    }

    func testRejectsInconsistentSizeAndCameraFlags() throws {
        let directory = try scratchDirectory(for: self)
        for flags in [["--kind", "camera"], ["--kind", "film"], ["--width", "48"], ["--size", "48x33"], ["--size", "48x8"],
                      ["--size", "32", "--width", "48", "--height", "32"], ["--cut-every", "-1"], ["--crf", "60"]] {
            let result = try EbtvidProcess.run(["synth", "--out", directory.path] + flags)
            XCTAssertEqual(result.status, 64, "\(flags): \(result.stderr)")
            XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
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
