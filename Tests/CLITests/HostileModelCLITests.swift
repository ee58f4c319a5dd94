import Foundation
import XCTest

/// Hostile model files. One whose header claims sizes no real model has (shapes whose products
/// overflow, geometry or configs that would allocate without bound) is one error naming the file
/// and the cause, exit 1, and no output, in every command that loads a model. One whose values
/// are finite but overflow when run fails each clip with an error naming it, never the process.
final class HostileModelCLITests: XCTestCase {
    private let clip = SafetensorsSurgery.defaultModel.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("clips/s2024-001-pan.mp4").path

    func testOversizedHeadersAreOneErrorNamingTheModelFile() throws {
        let directory = try scratchDirectory(for: self)
        let huge = 1 << 62
        let cases: [(String, (inout SafetensorsSurgery) throws -> Void, String)] = [
            ("shape", { try $0.edit(tensor: "model.logStepSize", ["shape": [huge, 4]]) }, "tensor 'model.logStepSize' has shape"),
            ("geometry", { try $0.edit(metadata: "codec", ["frameWidth": huge, "frameHeight": huge, "patchSize": 1]) }, "exceed the limits"),
            ("width", { try $0.edit(metadata: "config", ["width": 1 << 20]) }, "width 1048576 exceeds"),
            ("context", { try $0.edit(metadata: "config", ["context": 1_000_000_000]) }, "context 1000000000"),
        ]
        for (name, damage, cause) in cases {
            var surgery = try SafetensorsSurgery()
            try damage(&surgery)
            let model = directory.appendingPathComponent("\(name).safetensors").path
            try surgery.write(to: URL(fileURLWithPath: model))
            let out = directory.appendingPathComponent("out").path
            for command in [["predict", clip, "--model", model], ["overlay", clip, "--model", model], ["eval", clip, "--model", model],
                            ["eval", clip, "--baseline", model]] {
                let result = try EbtvidProcess.run(command + ["--out", out])
                XCTAssertEqual(result.status, 1, "\(name), \(command[0]): \(result.stderr)")
                XCTAssertEqual(result.stderrLinesWithoutNotes.count, 1, "\(name), \(command[0]): \(result.stderr)")
                let line = result.stderrLinesWithoutNotes.first ?? ""
                XCTAssertTrue(line.hasPrefix("error: \(model): not a valid ebtvid model: ") && line.contains(cause), "\(name): \(line)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(name), \(command[0]) left output")
            }
        }
    }

    func testWeightsThatOverflowWhenRunFailEachClipNotTheProcess() throws {
        let directory = try scratchDirectory(for: self)
        var surgery = try SafetensorsSurgery()
        try surgery.fill(tensor: "model.logStepSize", with: 80)
        let model = directory.appendingPathComponent("step.safetensors").path
        try surgery.write(to: URL(fileURLWithPath: model))
        for (command, out) in [("predict", "predict"), ("overlay", "overlay.mp4")] {
            let output = directory.appendingPathComponent(out).path
            let result = try EbtvidProcess.run([command, clip, "--model", model, "--out", output])
            XCTAssertEqual(result.status, 1, "\(command): \(result.stderr)")
            XCTAssertEqual(result.stderrLinesWithoutNotes.count, 1, "\(command): \(result.stderr)")
            let line = result.stderrLinesWithoutNotes.first ?? ""
            XCTAssertTrue(line.hasPrefix("error: \(clip): the model's ") && line.contains("not a finite number"), "\(command): \(line)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(command) left output")
        }
        // eval records each clip's failure and goes on, in worker processes too.
        let inputs = directory.appendingPathComponent("clips")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for name in ["s2024-001-pan.mp4", "s2024-002-zoom.mp4"] {
            try FileManager.default.copyItem(at: URL(fileURLWithPath: clip).deletingLastPathComponent().appendingPathComponent(name),
                                             to: inputs.appendingPathComponent(name))
        }
        for jobs in ["1", "2"] {
            let out = directory.appendingPathComponent("eval-\(jobs)").path
            let result = try EbtvidProcess.run(["eval", inputs.path, "--model", model, "--horizon", "2", "--jobs", jobs, "--out", out])
            XCTAssertEqual(result.status, 0, "--jobs \(jobs): \(result.stderr)")
            XCTAssertEqual(result.stderr.components(separatedBy: "not a finite number").count - 1, 2, "--jobs \(jobs): \(result.stderr)")
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
            XCTAssertEqual(summary?["clips"] as? Int, 2, "--jobs \(jobs)")
            XCTAssertEqual(summary?["failed"] as? Int, 2, "--jobs \(jobs)")
        }
    }
}
