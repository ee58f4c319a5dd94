import Foundation
import XCTest

/// Every bad flag value is a usage error in every command: exit 64 (as the README promises), one
/// `error:` line naming the flag, and nothing written, checked before any input is read.
final class ExitCodeCLITests: XCTestCase {
    func testBadFlagValuesExit64InEveryCommand() throws {
        let directory = try scratchDirectory(for: self)
        let out = directory.appendingPathComponent("out").path
        let clip = directory.appendingPathComponent("clip.mp4").path
        let cases: [([String], String)] = [
            (["predict", clip, "--context", "1025"], "--context"), (["predict", clip, "--context", "0"], "--context"),
            (["predict", clip, "--horizon", "0"], "--horizon"), (["predict", clip, "--think", "-1"], "--think"),
            (["predict", clip, "--samples", "0"], "--samples"), (["predict", clip, "--adaptive", "1"], "--adaptive"),
            (["predict", clip, "--start", "-1"], "--start"),
            (["overlay", clip, "--context", "0"], "--context"), (["overlay", clip, "--context", "100000"], "--context"),
            (["overlay", clip, "--size", "63"], "--size"), (["overlay", clip, "--size", "1922"], "--size"),
            (["overlay", clip, "--size", "128", "--full-size"], "--full-size"),
            (["overlay", clip, "--out", directory.appendingPathComponent("o.csv").path], "--out"),
            (["eval", "--out", out], "at least one clip"), (["eval", clip, "--context", "1025"], "--context"),
            (["eval", clip, "--horizon", "0"], "--horizon"), (["eval", clip, "--samples", "65"], "--samples"),
            (["eval", clip, "--adaptive", "-0.5"], "--adaptive"), (["eval", clip, "--jobs", "0"], "--jobs"),
            (["train", "--steps", "5"], "at least one clip"), (["train", directory.path, "--steps", "0"], "steps"),
            (["train", directory.path], "--steps or --minutes"), (["train", directory.path, "--steps", "5", "--batch", "0"], "batch"),
            (["train", directory.path, "--steps", "5", "--lr", "2"], "learning rate"),
            (["train", directory.path, "--steps", "5", "--context", "0"], "context"),
            (["train", directory.path, "--steps", "5", "--think", "0"], "thinking steps"),
            (["train", directory.path, "--steps", "5", "--crop", "0"], "crop"),
            (["train", directory.path, "--steps", "5", "--working-size", "100"], "working size 100"),
            (["train", directory.path, "--steps", "5", "--beta", "0"], "beta"),
            (["synth", "--fps", "1e-9"], "--fps"), (["synth", "--fps", "0.5"], "--fps"), (["synth", "--count", "0"], "--count"),
            (["train", directory.path, "--steps", "5", "--validate-every", "0"], "--validate-every"),
            (["train", directory.path, "--steps", "5", "--validate-every", "-1"], "--validate-every"),
            (["train", directory.path, "--steps", "5", "--alpha-lr", "-1"], "--alpha-lr"),
            (["train", directory.path, "--steps", "5", "--resume"], "--resume: no checkpoint at \(out)"),
            (["calibrate", clip, "--windows-per-clip", "0"], "--windows-per-clip"), (["calibrate"], "at least one clip"),
            (["frames", clip, "--stride", "0"], "stride"),
        ]
        for (arguments, mention) in cases {
            let command = arguments.contains("--out") ? arguments : arguments + ["--out", out]
            let result = try EbtvidProcess.run(command)
            let shown = arguments.joined(separator: " ")
            XCTAssertEqual(result.status, 64, "\(shown): \(result.stderr)")
            XCTAssertEqual(result.stderrLines.count, 1, "\(shown): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(mention), "\(shown): \(result.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    /// `--out ''` would mean the current folder: every command that writes refuses it.
    func testAnEmptyOutIsAUsageErrorInEveryCommand() throws {
        let directory = try scratchDirectory(for: self)
        let clip = directory.appendingPathComponent("clip.mp4").path
        for arguments in [["predict", clip], ["overlay", clip], ["eval", clip], ["frames", clip], ["calibrate", clip],
                          ["train", clip, "--steps", "1"], ["synth"], ["surprises", directory.path]] {
            let result = try EbtvidProcess.run(arguments + ["--out", ""], directory: directory)
            XCTAssertEqual(result.status, 64, "\(arguments[0]): \(result.stderr)")
            XCTAssertEqual(result.stderrLines, ["error: --out must name a file or folder, got ''"], arguments[0])
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
