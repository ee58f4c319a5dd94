import XCTest

/// `train` then `predict` through the binary, and their refusals of bad input.
final class TrainPredictCommandTests: XCTestCase {
    func testTrainThenPredictOnSynthesizedClips() throws {
        let directory = try scratchDirectory(for: self)
        let clips = directory.appendingPathComponent("clips")
        let synth = try EbtvidProcess.run(["synth", "--out", clips.path, "--count", "3", "--frames", "24", "--size", "32", "--seed", "5"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let model = directory.appendingPathComponent("m.safetensors").path
        let train = try EbtvidProcess.run(["train", clips.path, "--out", model, "--size", "tiny", "--steps", "20", "--context", "6",
                                           "--batch", "4", "--components", "8", "--validate-every", "10", "--working-size", "64"],
                                           timeout: 120)
        XCTAssertEqual(train.status, 0, train.stderr)
        let summary = String(decoding: train.stdout, as: UTF8.self)
        XCTAssertTrue(summary.contains("trained 20 steps") && summary.contains("\(model) holds step"), summary)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("m.last.safetensors").path),
                      "the last checkpoint is kept beside the best")
        XCTAssertTrue(train.stderr.contains("validation at step 10"), train.stderr)
        XCTAssertTrue(train.stderr.contains("codec reconstruction on held-out frames"), train.stderr)

        let out = directory.appendingPathComponent("pred").path
        let predict = try EbtvidProcess.run(["predict", clips.appendingPathComponent("s5-000-bouncing.mp4").path, "--model", model,
                                             "--horizon", "3", "--think", "4", "--samples", "2", "--out", out])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let table = String(decoding: predict.stdout, as: UTF8.self)
        XCTAssertTrue(table.contains("context frames 15...20"), table)
        for name in ["prediction.mp4", "continuation.mp4", "frames.json", "frames.csv", "prediction.npy"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), name)
        }

        // eval goes on past a broken clip (exit 0), unless told to stop at the first failure.
        try Data("not a video".utf8).write(to: clips.appendingPathComponent("broken.mp4"))
        let evalOut = directory.appendingPathComponent("eval").path
        let eval = try EbtvidProcess.run(["eval", clips.path, "--model", model, "--horizon", "2", "--out", evalOut], timeout: 120)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stderr.contains("broken.mp4"), eval.stderr)
        XCTAssertTrue(String(decoding: eval.stdout, as: UTF8.self).contains("4 clips (1 failed)"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: evalOut + "/summary.json"))
        let strict = try EbtvidProcess.run(["eval", clips.path, "--model", model, "--fail-fast", "--out", directory.appendingPathComponent("eval2").path])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.hasPrefix("error: ") && strict.stderr.contains("broken.mp4"), strict.stderr)
    }

    /// An initial step size that is not a positive number is a bad flag value (exit 64), caught
    /// before any training starts, not a failed precondition when the model is built.
    func testAlphaThatIsNotAPositiveNumberIsAUsageError() throws {
        let directory = try scratchDirectory(for: self)
        let model = directory.appendingPathComponent("m.safetensors").path
        for alpha in ["0", "-1", "nan", "inf"] {
            let result = try EbtvidProcess.run(["train", directory.path, "--out", model, "--steps", "1", "--alpha", alpha])
            XCTAssertEqual(result.status, 64, "--alpha \(alpha): \(result.stderr)")
            XCTAssertEqual(result.stderrLines.count, 1, "--alpha \(alpha): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: --alpha ") && result.stderr.contains("positive number"), "--alpha \(alpha): \(result.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testBadArgumentsGetOneLineAndNoOutput() throws {
        let directory = try scratchDirectory(for: self)
        let model = directory.appendingPathComponent("m.safetensors").path
        let cases: [([String], String)] = [
            (["train", directory.path, "--out", model, "--steps", "5"], "no video files"),
            (["train", "/nonexistent/clips", "--out", model, "--steps", "5"], "no such file"),
            (["train", directory.path, "--out", model], "--steps or --minutes"),
            (["train", directory.path, "--out", model, "--steps", "5", "--batch", "0"], "batch"),
            (["train", directory.path, "--out", model, "--steps", "5", "--working-size", "100"], "working size 100"),
            (["train", directory.path, "--out", model, "--steps", "5", "--working-size", "32", "--crop", "5"], "crop must be between 1 and 4"),
            (["train", directory.path, "--out", model, "--steps", "5", "--crop", "0"], "crop"),
            (["train", directory.path, "--out", model, "--steps", "5", "--replay", "0.5"], "--replay"),
            (["train", directory.path, "--out", "/nonexistent/dir/m.safetensors", "--steps", "5"], "/nonexistent/dir/m.safetensors"),
            (["predict", "x.mp4", "--model", model], "model file not found"),
            (["predict", "x.mp4", "--model", model, "--horizon", "0"], "--horizon"),
            (["predict", "x.mp4", "--model", model, "--samples", "-1"], "--samples"),
        ]
        for (arguments, expected) in cases {
            let result = try EbtvidProcess.run(arguments)
            XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " "))
            XCTAssertLessThan(result.status, 128, "crashed: \(arguments)")
            XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
