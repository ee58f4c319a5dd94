import DefaultModel
import XCTest

/// `predict`, `overlay` and `eval` run the model that ships with ebtvid when --model is omitted,
/// and say clearly when it is missing instead of crashing.
final class DefaultModelTests: XCTestCase {
    private let clip = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("clips/s2024-001-pan.mp4").path

    func testPredictAndEvalWithoutModelUseTheShippedOne() throws {
        let directory = try scratchDirectory(for: self)
        let out = directory.appendingPathComponent("predict").path
        let predict = try EbtvidProcess.run(["predict", clip, "--horizon", "2", "--out", out],
                                            environment: [DefaultModel.environmentVariable: ""])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let text = String(decoding: predict.stdout, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("model: default (") && text.contains("ebtvid_DefaultModel.resources/default-model.safetensors"), text)
        for name in ["prediction.mp4", "frames.json", "frames.csv", "prediction.npy"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), name)
        }

        let evalOut = directory.appendingPathComponent("eval").path
        let eval = try EbtvidProcess.run(["eval", clip, "--horizon", "2", "--out", evalOut],
                                         environment: [DefaultModel.environmentVariable: ""], timeout: 120)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(String(decoding: eval.stdout, as: UTF8.self).contains("model: default ("))
        XCTAssertTrue(FileManager.default.fileExists(atPath: evalOut + "/summary.json"))
    }

    func testMissingDefaultModelIsOneClearError() throws {
        let directory = try scratchDirectory(for: self)
        let missing = directory.appendingPathComponent("gone.safetensors").path
        for command in [["predict", clip], ["overlay", clip], ["eval", clip]] {
            let out = directory.appendingPathComponent("out").path
            let result = try EbtvidProcess.run(command + ["--out", out], environment: [DefaultModel.environmentVariable: missing])
            XCTAssertEqual(result.status, 1, "\(command): \(result.stderr)")
            XCTAssertEqual(result.stderrLines, ["error: no default model found at \(missing); pass --model"])
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(command) wrote output without a model")
        }
    }

    func testLookupFindsTheBundleBesideTheExecutableOrNamesWhereItLooked() throws {
        let directory = try scratchDirectory(for: self).resolvingSymlinksInPath()
        let executable = directory.appendingPathComponent("ebtvid")
        let expected = directory.appendingPathComponent("ebtvid_DefaultModel.resources/default-model.safetensors")
        XCTAssertThrowsError(try DefaultModel.location(environment: [:], executable: executable)) { error in
            XCTAssertEqual((error as? DefaultModelError)?.searched.first, expected.path)
            XCTAssertEqual("\(error)", "no default model found at \(expected.path); pass --model")
        }
        try FileManager.default.createDirectory(at: expected.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("model".utf8).write(to: expected)
        XCTAssertEqual(try DefaultModel.location(environment: [:], executable: executable).path, expected.path)

        // The environment variable wins over the bundle, and a directory is not a model file.
        let elsewhere = directory.appendingPathComponent("other.safetensors")
        try Data("model".utf8).write(to: elsewhere)
        XCTAssertEqual(try DefaultModel.location(environment: [DefaultModel.environmentVariable: elsewhere.path], executable: executable).path,
                       elsewhere.path)
        XCTAssertThrowsError(try DefaultModel.location(environment: [DefaultModel.environmentVariable: directory.path], executable: executable))
    }
}
