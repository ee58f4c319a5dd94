import DefaultModel
import XCTest

/// The committed sample clips.
private let committedClips = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("clips").path

/// `predict`, `overlay` and `eval` run the model that ships with ebtvid when --model is omitted,
/// and say clearly when it is missing instead of crashing.
final class DefaultModelTests: XCTestCase {
    private let clip = committedClips + "/s2024-001-pan.mp4"

    func testPredictAndEvalWithoutModelUseTheShippedOne() throws {
        let directory = try scratchDirectory(for: self)
        let out = directory.appendingPathComponent("predict").path
        let predict = try EbtvidProcess.run(["predict", clip, "--horizon", "2", "--out", out],
                                            environment: [DefaultModel.environmentVariable: ""])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let text = String(decoding: predict.stdout, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("model: default (") && text.contains("ebtvid_DefaultModel.resources/default-model.safetensors"), text)
        // The shipped model carries its checksums: its weights are verified, with nothing to note.
        XCTAssertFalse(predict.stderr.contains("stores no checksums"), predict.stderr)
        for name in ["prediction.mp4", "continuation.mp4", "frames.json", "frames.csv", "prediction.npy"] {
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

/// `calibrate` refits the energy's level on clips: the file it writes predicts exactly as the
/// model it started from, and bad input leaves nothing behind.
final class CalibrateCommandTests: XCTestCase {
    private let clips = committedClips

    func testCalibratedModelPredictsTheSameFramesWithNewEnergies() throws {
        let directory = try scratchDirectory(for: self)
        let model = directory.appendingPathComponent("calibrated.safetensors").path
        let calibrate = try EbtvidProcess.run(["calibrate", clips, "--windows-per-clip", "8", "--out", model],
                                              environment: [DefaultModel.environmentVariable: ""], timeout: 120)
        XCTAssertEqual(calibrate.status, 0, calibrate.stderr)
        let text = String(decoding: calibrate.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("fitted on 56 frames of 7 clips; 8 held-out frames score it"), text)
        XCTAssertTrue(text.contains("error scale: expected PSNR dB from the energy at the prediction"), text)
        let metadata = try XCTUnwrap(try SafetensorsSurgery(contentsOf: URL(fileURLWithPath: model)).header["__metadata__"] as? [String: String])
        let scale = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(metadata["error_scale"]).utf8)) as? [String: [String: Any]])
        XCTAssertEqual(scale["expected"]?["frames"] as? Int, 56, "the PSNR scale is fitted on the same frames as the level")
        var frames: [[[String: Any]]] = []
        for (name, arguments) in [("before", [String]()), ("after", ["--model", model])] {
            let out = directory.appendingPathComponent(name).path
            let predict = try EbtvidProcess.run(["predict", clips + "/s2024-003-bouncing.mp4", "--horizon", "2", "--out", out] + arguments,
                                                environment: [DefaultModel.environmentVariable: ""])
            XCTAssertEqual(predict.status, 0, predict.stderr)
            XCTAssertFalse(predict.stderr.contains("stores no checksums"), "the shipped model and calibrate's both carry checksums: \(predict.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/frames.json")))
            frames.append(try XCTUnwrap(json as? [[String: Any]]))
            let npy = try Data(contentsOf: URL(fileURLWithPath: out + "/prediction.npy"))
            if name == "after" {
                let before = try Data(contentsOf: URL(fileURLWithPath: directory.appendingPathComponent("before").path + "/prediction.npy"))
                XCTAssertEqual(npy, before, "calibration must not change the predictions")
            }
        }
        let energies = frames.map { $0.compactMap { $0["energy"] as? Double } }
        XCTAssertEqual(energies[0].count, 2)
        XCTAssertNotEqual(energies[0], energies[1], "the level was refitted, so energies move")
        let expected = frames.map { $0.compactMap { $0["expected_psnr_db"] as? Double } }
        XCTAssertEqual(expected[1].count, 2, "predict reads the energy as an expected PSNR")
        XCTAssertTrue(expected[1].allSatisfy { (5...100).contains($0) }, "\(expected)")

        // A changed byte in the weights it wrote is caught by that tensor's checksum.
        var surgery = try SafetensorsSurgery(contentsOf: URL(fileURLWithPath: model))
        let offsets = try XCTUnwrap((surgery.header["model.logStepSize"] as? [String: Any])?["data_offsets"] as? [Int])
        surgery.data[offsets[0]] ^= 0x01
        try surgery.write(to: URL(fileURLWithPath: model))
        let out = directory.appendingPathComponent("damaged").path
        let damaged = try EbtvidProcess.run(["predict", clips + "/s2024-003-bouncing.mp4", "--model", model, "--out", out])
        XCTAssertEqual(damaged.status, 1, damaged.stderr)
        XCTAssertEqual(damaged.stderrLines, ["error: \(model): not a valid ebtvid model: tensor 'model.logStepSize' does not match its checksum: its data is damaged"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// A model whose predictions are not numbers is refused with the cause, and a model already
    /// at --out is left as it was: nothing full of NaN is written.
    func testAModelPredictingNaNIsRefusedAndOutIsUntouched() throws {
        let directory = try scratchDirectory(for: self)
        var surgery = try SafetensorsSurgery()
        try surgery.fill(tensor: "model.logStepSize", with: 80)
        let model = directory.appendingPathComponent("step.safetensors")
        try surgery.write(to: model)
        let out = directory.appendingPathComponent("calibrated.safetensors")
        try Data("an earlier model".utf8).write(to: out)
        let result = try EbtvidProcess.run(["calibrate", clips, "--model", model.path, "--windows-per-clip", "2", "--out", out.path])
        XCTAssertEqual(result.status, 1, result.stderr)
        let errors = result.stderrLines.filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 1, result.stderr)
        XCTAssertTrue(errors.first?.contains("not a finite number") ?? false, result.stderr)
        XCTAssertEqual(try Data(contentsOf: out), Data("an earlier model".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["calibrated.safetensors", "step.safetensors"])
    }

    func testMissingInputIsOneErrorAndNoFile() throws {
        let directory = try scratchDirectory(for: self)
        let model = directory.appendingPathComponent("calibrated.safetensors").path
        let result = try EbtvidProcess.run(["calibrate", directory.appendingPathComponent("nothing-here").path, "--out", model],
                                           environment: [DefaultModel.environmentVariable: ""])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderrLinesWithoutNotes.count, 1, result.stderr)
        XCTAssertTrue(result.stderrLinesWithoutNotes.first?.hasPrefix("error: ") ?? false, result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
