import XCTest

/// Every bad input ends with one `error:` line naming the file and the cause, a non-zero exit,
/// no crash, no hang and no output file; a truncated clip gives its frames and a warning.
final class BadInputCLITests: XCTestCase {
    private var directory: URL!
    private var output: URL!

    override func setUpWithError() throws {
        directory = try scratchDirectory(for: self)
        output = directory.appendingPathComponent("out").appendingPathExtension("npy")
    }

    /// Runs `frames` on `clip` and checks the failure contract; returns the single error line.
    @discardableResult
    private func expectFailure(_ clip: String, extra: [String] = [], mentions: [String],
                               file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try EbtvidProcess.run(["frames", clip, "--size", "16", "--out", output.path] + extra, file: file, line: line)
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertLessThan(result.status, 128, "killed by a signal: a crash", file: file, line: line)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr, file: file, line: line)
        let message = result.stderrLines.first ?? ""
        XCTAssertTrue(message.hasPrefix("error: "), message, file: file, line: line)
        for word in mentions { XCTAssertTrue(message.contains(word), "\(message) should mention \(word)", file: file, line: line) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("out") }
        XCTAssertEqual(leftovers, [], "no output may be left behind", file: file, line: line)
        return message
    }

    private func file(_ name: String, _ bytes: Data) throws -> String {
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    func testMissingPath() throws {
        try expectFailure(directory.appendingPathComponent("missing.mp4").path, mentions: ["missing.mp4", "no such file"])
    }

    func testDirectory() throws {
        let folder = directory.appendingPathComponent("folder.mp4")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        try expectFailure(folder.path, mentions: ["folder.mp4", "is a directory"])
    }

    func testEmptyFile() throws {
        try expectFailure(try file("empty.mp4", Data()), mentions: ["empty.mp4", "empty"])
    }

    func testRandomBytes() throws {
        var state: UInt32 = 2_463_534_242
        let noise = Data((0..<50_000).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        })
        try expectFailure(try file("noise.mp4", noise), mentions: ["noise.mp4"])
    }

    func testAudioOnly() throws {
        // A 16-bit mono 8 kHz WAV holding a second of silence.
        let header: [UInt8] = [0x52, 0x49, 0x46, 0x46, 0x64, 0x3E, 0, 0, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6D, 0x74, 0x20,
                               16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1F, 0, 0, 0x80, 0x3E, 0, 0, 2, 0, 16, 0,
                               0x64, 0x61, 0x74, 0x61, 0x40, 0x3E, 0, 0]
        try expectFailure(try file("sound.wav", Data(header) + Data(count: 16_000)), mentions: ["sound.wav", "no video stream"])
    }

    func testZeroFrames() throws {
        try expectFailure(try file("none.y4m", Data("YUV4MPEG2 W32 H32 F25:1 Ip A1:1 C420jpeg\n".utf8)),
                          mentions: ["none.y4m", "no video frames"])
    }

    func testHeaderClaiming16384Squared() throws {
        let header = Data("YUV4MPEG2 W16384 H16384 F25:1 Ip A1:1 C420jpeg\nFRAME\n".utf8) + Data(count: 100)
        try expectFailure(try file("huge.y4m", header), mentions: ["huge.y4m", "16384x16384"])
        let large = Data("YUV4MPEG2 W9000 H9000 F25:1 Ip A1:1 C420jpeg\nFRAME\n".utf8) + Data(count: 100)
        try expectFailure(try file("large.y4m", large), mentions: ["large.y4m", "9000x9000", "limit"])
    }

    func testUnwritableOutput() throws {
        let clip = try synthesizedClip(in: directory)
        let blocker = directory.appendingPathComponent("plain")
        try Data("x".utf8).write(to: blocker)
        let target = blocker.appendingPathComponent("frames.rgb").path
        let result = try EbtvidProcess.run(["frames", clip, "--out", target])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines, ["error: \(target): cannot write (Not a directory)"])
    }

    func testNonsenseFlagValues() throws {
        let clip = try synthesizedClip(in: directory)
        let cases: [([String], String)] = [
            (["--size", "0"], "0x0"), (["--size", "0x16"], "0x16"), (["--stride", "-1"], "stride"),
            (["--stride", "0"], "stride"), (["--max-frames", "0"], "max frames"), (["--start", "-2"], "start"),
            (["--fps", "-5"], "fps"), (["--size", "big"], "size"), (["--stride", "2", "--fps", "10"], "either"),
            (["--fps", "1e300"], "up to 1000"), (["--fps", "1e6"], "up to 1000"), (["--fps", "200"], "more than 8 times the clip's 24 fps"),
        ]
        for (flags, mention) in cases {
            let result = try EbtvidProcess.run(["frames", clip, "--out", output.path] + flags)
            XCTAssertEqual(result.status, 64, "\(flags): usage errors exit 64 — \(result.stderr)")
            XCTAssertEqual(result.stderrLines.count, 1, "\(flags): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(mention), "\(flags): \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    /// A request whose frames cannot fit where they go is refused before a byte is written, with
    /// the sizes (1e6 fps once turned a 4-second clip into 48.9 GB).
    func testAnOutputLargerThanTheFreeSpaceIsRefusedBeforeWriting() throws {
        let clip = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("clips/s2024-000-bouncing.mp4").path
        // 96 frames at 24 fps resampled to 192 fps: 768 frames of 8192x8192, 154.6 GB.
        var status = statvfs()
        XCTAssertEqual(statvfs(directory.path, &status), 0)
        if Double(status.f_bavail) * Double(status.f_frsize) > 154e9 { throw XCTSkip("more than 154 GB free here") }
        let message = try expectFailure(clip, extra: ["--size", "8192x8192", "--fps", "192"], mentions: ["768 frames of 8192x8192 need about 154.6 GB", "free there"])
        XCTAssertTrue(message.hasPrefix("error: \(output.path): cannot write ("), message)
    }

    func testTruncatedClipGivesItsFramesAndAWarning() throws {
        let clip = try synthesizedClip(in: directory, size: 32, frames: 48)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        let cut = try file("cut.mp4", bytes.prefix(bytes.count / 2))
        let result = try EbtvidProcess.run(["frames", cut, "--size", "16", "--out", output.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let warnings = result.stderrLines.filter { $0.hasPrefix("warning: ") }
        XCTAssertEqual(warnings.count, 1, result.stderr)
        XCTAssertTrue(warnings.first?.contains("truncated") ?? false, result.stderr)
        let data = try Data(contentsOf: output)
        let frames = (data.count - 10 - (Int(data[8]) | Int(data[9]) << 8)) / (16 * 16 * 3)
        XCTAssertTrue((1..<48).contains(frames), "\(frames) frames")
    }

    /// Every command that reads a clip passes its reading warnings on, not only `frames`.
    func testPredictOverlayAndEvalWarnOfATruncatedClip() throws {
        let clip = try synthesizedClip(in: directory, size: 32, frames: 48)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        let cut = try file("cut.mp4", bytes.prefix(bytes.count / 2))
        let out = directory.appendingPathComponent("runs")
        for command in [["predict", cut, "--horizon", "2", "--out", out.appendingPathComponent("p").path],
                        ["overlay", cut, "--size", "64", "--out", out.appendingPathComponent("o.mp4").path],
                        ["eval", cut, "--horizon", "2", "--out", out.appendingPathComponent("e").path],
                        ["eval", cut, "--horizon", "2", "--jobs", "2", "--out", out.appendingPathComponent("e2").path]] {
            let result = try EbtvidProcess.run(command)
            XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)")
            let warnings = result.stderrLines.filter { $0.hasPrefix("warning: ") }
            XCTAssertEqual(warnings.count, 1, "\(command): \(result.stderr)")
            XCTAssertTrue(warnings.first?.contains("cut.mp4: decoded") == true && warnings.first?.contains("truncated") == true, "\(warnings)")
        }
    }

    func testHelpStillWorks() throws {
        let result = try EbtvidProcess.run(["frames", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains("--max-frames"))
    }
}
