import Foundation
import XCTest
import EBT
@testable import Pipeline

final class EvalJobTests: XCTestCase {
    func testEvaluatesFoldersRecordsFailuresAndResumes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in/nested")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for name in ["s2024-001-pan", "s2024-002-zoom"] {
            for ext in ["mp4", "json"] {
                try FileManager.default.copyItem(at: committedClips.appendingPathComponent("\(name).\(ext)"),
                                                 to: input.appendingPathComponent("\(name).\(ext)"))
            }
        }
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131) }).write(to: input.appendingPathComponent("broken.mp4"))
        var request = EvalRequest(inputs: [folder.appendingPathComponent("in").path], output: folder.appendingPathComponent("out"))
        request.horizon = 4
        request.baseline = try untrainedModel(kind: .baseline)
        let job = EvalJob(model: try untrainedModel())
        var skipped: [Bool] = []
        let results = try job.run(request) { _, _, _, wasSkipped in skipped.append(wasSkipped) }
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(skipped, [false, false, false])
        let broken = try XCTUnwrap(results.first { $0.clip.hasSuffix("broken.mp4") })
        XCTAssertNotNil(broken.error)
        let pan = try XCTUnwrap(results.first { $0.clip.hasSuffix("s2024-001-pan.mp4") })
        XCTAssertNil(pan.error)
        XCTAssertEqual(pan.frames, 96 - 6)
        XCTAssertEqual(pan.frameIndices.first, 6)
        XCTAssertEqual(pan.surprises.filter { $0 }.count, 1, "the sidecar lists frame 55")
        XCTAssertTrue(pan.surprises[55 - 6])
        XCTAssertEqual(pan.energies.count, 90)
        XCTAssertEqual(pan.surpriseEnergies.count, 90)
        XCTAssertEqual(pan.surpriseScores.count, 90)
        // Every frame's energies on the PSNR scale, read with the model's scale.
        XCTAssertEqual(pan.expectedPSNR.count, 90)
        XCTAssertEqual(pan.expectedPSNR[10], job.model.errorScale.expectedPSNR(energy: Double(pan.energies[10]), patches: 16), accuracy: 1e-9)
        XCTAssertEqual(pan.surprisePSNR[10], job.model.errorScale.surprisePSNR(excess: pan.surpriseScores[10], patches: 16), accuracy: 1e-9)
        for (score, (surprise, energy)) in zip(pan.surpriseScores, zip(pan.surpriseEnergies, pan.energies)) {
            XCTAssertEqual(score, Double(surprise) - Double(energy), accuracy: 1e-9)
        }
        let uncertainty = try XCTUnwrap(pan.patchUncertaintySpearman), surprise = try XCTUnwrap(pan.patchSurpriseSpearman)
        let shift = try XCTUnwrap(pan.patchShiftSpearman), motion = try XCTUnwrap(pan.patchMotionSpearman)
        XCTAssertTrue((-1...1).contains(uncertainty) && (-1...1).contains(surprise) && (-1...1).contains(shift))
        // On a pan the patches that changed last frame are the textured ones, which change again.
        XCTAssertGreaterThan(motion, 0.2)
        XCTAssertNotNil(pan.baseline)
        XCTAssertEqual(pan.horizonPSNR.count, 4)
        // Copy-last on the truth is exact in embedding space only when frames repeat; here they move.
        XCTAssertGreaterThan(try XCTUnwrap(pan.copyLast).embeddingMSE, 0)

        let summary = try EvalSummary.write(results, thinkSteps: 2, seconds: 1, errorScale: "the codec's conversion", to: request.output)
        XCTAssertEqual(summary.clips, 3)
        XCTAssertEqual(summary.failed, 1)
        XCTAssertEqual(summary.frames, 180)
        XCTAssertNotNil(summary.surpriseAUROC)
        XCTAssertNotNil(summary.energyErrorSpearman)
        let agreement = try XCTUnwrap(summary.expectedPSNR)
        XCTAssertEqual(agreement.frames, 180)
        XCTAssertEqual(agreement.meanMeasured, try XCTUnwrap(summary.model).psnr, accuracy: 1e-9, "measured over the same frames as the model's PSNR")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: request.output.appendingPathComponent("summary.json"))) as! [String: Any]
        for key in ["clips", "failed", "frames", "model", "copy_last", "linear", "motion", "baseline", "energy_error_spearman", "surprise_auroc",
                    "surprise_auroc_within_clips", "patch_uncertainty_spearman", "patch_surprise_spearman", "patch_shift_spearman", "patch_motion_spearman", "think_steps", "seconds",
                    "expected_psnr", "surprise_psnr", "error_scale"] {
            XCTAssertNotNil(json[key], key)
        }
        let csv = try String(contentsOf: request.output.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 4)

        try EvalReport.write(summary: summary, results: results, modelPath: "untrained", grid: job.model.codec.grid, to: request.output)
        let page = try String(contentsOf: request.output.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 3, "horizon chart, energy scatter and expected against measured PSNR")
        XCTAssertTrue(page.contains("The energy as PSNR"))
        XCTAssertTrue(page.contains("data:image/bmp;base64,"), "thumbnails are inline")
        XCTAssertTrue(page.contains("broken.mp4") && page.contains("s2024-002-zoom.mp4"))
        XCTAssertFalse(page.contains("src=\"http"), "the page is self-contained")
        let parsed = try StrictHTMLChecker.check(request.output.appendingPathComponent("report.html"))
        XCTAssertEqual(parsed.problems, [])
        XCTAssertEqual(parsed.svg("scatter")?.counts["circle"], 180, "a dot for each of the two good clips' 90 frames")

        // A second run reuses every clip's record but the failed one's, which it tries again.
        skipped = []
        _ = try job.run(request) { _, _, _, wasSkipped in skipped.append(wasSkipped) }
        XCTAssertEqual(skipped, [false, true, true], "broken.mp4 sorts first")
    }

    /// A record is reused only by a run that would make it from the same clip, sidecar, model,
    /// baseline and options; anything else is evaluated again (before, records were keyed by the
    /// clip's path alone, and another model's run reported the old numbers under its name).
    func testARecordIsReusedOnlyForTheSameInputsAndOptions() throws {
        let folder = try scratchFolder(for: self)
        let clip = folder.appendingPathComponent("static.mp4"), sidecar = folder.appendingPathComponent("static.json")
        try VideoReaderFixture.writeStatic(try VideoReaderFixture.firstFrame(of: committedClips.appendingPathComponent("s2024-000-bouncing.mp4")),
                                           frames: 10, to: clip)
        try Data(#"{"surprise_frames": [7]}"#.utf8).write(to: sidecar)
        let base = EvalRequest(inputs: [clip.path], output: folder.appendingPathComponent("out"))
        let model = try untrainedModel()
        func reused(_ request: EvalRequest, model: ModelFile = model) throws -> Bool {
            var reused: [Bool] = []
            let results = try EvalJob(model: model).run(request) { _, _, _, skipped in reused.append(skipped) }
            XCTAssertNil(results.first?.error)
            return try XCTUnwrap(reused.first)
        }
        XCTAssertFalse(try reused(base), "nothing to reuse yet")
        XCTAssertTrue(try reused(base), "the same run again")
        let saved = folder.appendingPathComponent("model.safetensors")
        try model.write(to: saved)
        XCTAssertTrue(try reused(base, model: try ModelFile(contentsOf: saved)), "the same model read back from its file")

        var changes: [(String, (inout EvalRequest) -> Void)] = [
            ("horizon", { $0.horizon = 3 }), ("thinking steps", { $0.thinkingSteps = 1 }), ("context", { $0.context = 4 }),
            ("samples", { $0.samples = 2 }), ("tolerance", { $0.tolerance = 0.1 }), ("orientation", { $0.keepOrientation = true }),
        ]
        let baseline = try untrainedModel(kind: .baseline)
        changes.append(("baseline", { $0.baseline = baseline }))
        for (name, change) in changes {
            var request = base
            change(&request)
            XCTAssertFalse(try reused(request), "another \(name) is evaluated again")
            XCTAssertTrue(try reused(request), "and then reused for the same \(name)")
        }
        // Back to the first options, whose record was replaced.
        XCTAssertFalse(try reused(base))
        XCTAssertFalse(try reused(base, model: try untrainedModel(components: 5)), "another model")
        XCTAssertFalse(try reused(base), "the first model again")
        try Data(#"{"surprise_frames": [8]}"#.utf8).write(to: sidecar)
        XCTAssertFalse(try reused(base), "an edited sidecar")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: clip.path)
        XCTAssertFalse(try reused(base), "a clip changed since")
        XCTAssertTrue(try reused(base))
    }

    /// A baseline with its own codec (another embedding size) is run on its own embeddings: its
    /// image quality is exactly what it gets when evaluated as the main model.
    func testABaselineWithAnotherCodecIsEvaluatedThroughItsOwnCodec() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let clip = committedClips.appendingPathComponent("s2024-002-zoom.mp4").path
        let baseline = try untrainedModel(kind: .baseline, components: 10)
        var request = EvalRequest(inputs: [clip], output: folder.appendingPathComponent("both"))
        request.horizon = 2
        request.baseline = baseline
        let both = try XCTUnwrap(try EvalJob(model: try untrainedModel()).run(request).first)
        XCTAssertNil(both.error)
        let alone = try XCTUnwrap(try EvalJob(model: baseline).run(EvalRequest(inputs: [clip], output: folder.appendingPathComponent("alone"))).first)
        let compared = try XCTUnwrap(both.baseline), own = try XCTUnwrap(alone.model)
        XCTAssertEqual(compared.psnr, own.psnr, accuracy: 1e-9)
        XCTAssertEqual(compared.ssim, own.ssim, accuracy: 1e-9)
        XCTAssertGreaterThan(compared.embeddingMSE, 0)
    }

    /// Predictions are drawn as changes to the last real frame, so a model that does not think
    /// (its prediction is the last frame's embedding) reproduces copy-last exactly, codec loss and all.
    func testWithoutThinkingTheModelIsExactlyCopyLast() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var request = EvalRequest(inputs: [committedClips.appendingPathComponent("s2024-004-pan.mp4").path], output: folder)
        request.horizon = 3
        request.thinkingSteps = 0
        let result = try XCTUnwrap(try EvalJob(model: try untrainedModel()).run(request).first)
        let model = try XCTUnwrap(result.model), copyLast = try XCTUnwrap(result.copyLast)
        XCTAssertEqual(model.psnr, copyLast.psnr, accuracy: 1e-9)
        XCTAssertEqual(model.ssim, copyLast.ssim, accuracy: 1e-9)
        XCTAssertLessThan(copyLast.psnr, PSNR.cap, "the clip moves")
        XCTAssertEqual(result.horizonPSNR.first ?? 0, result.horizonPSNRCopyLast.first ?? 1, accuracy: 1e-9)
    }

    /// On a pan the block-motion baseline tracks the camera: far better than copy-last one step
    /// ahead and over a rollout, and it is reported in the record, summary, CSV and page.
    /// A record written before the baseline existed is evaluated again, not reused with gaps.
    func testTheMotionBaselineBeatsCopyLastOnAPanAndOldRecordsAreRedone() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-motion-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let clip = committedClips.appendingPathComponent("s2024-004-pan.mp4")
        var request = EvalRequest(inputs: [clip.path], output: folder)
        request.horizon = 4
        request.thinkingSteps = 0
        let job = EvalJob(model: try untrainedModel())
        let result = try XCTUnwrap(try job.run(request).first)
        XCTAssertNil(result.error)
        let motion = try XCTUnwrap(result.motion), copyLast = try XCTUnwrap(result.copyLast), linear = try XCTUnwrap(result.linear)
        // At 32x32 this pan moves about 1.5 px a frame: copy-last is ~24 dB, block motion ~38.
        XCTAssertGreaterThan(motion.psnr, copyLast.psnr + 6)
        XCTAssertLessThan(motion.mse, 0.25 * copyLast.mse)
        XCTAssertLessThan(motion.mse, linear.mse)
        XCTAssertLessThan(motion.embeddingMSE, copyLast.embeddingMSE)
        XCTAssertGreaterThan(motion.ssim, copyLast.ssim)
        XCTAssertEqual(result.horizonPSNRMotion.count, 4)
        for (moving, copying) in zip(result.horizonPSNRMotion, result.horizonPSNRCopyLast) { XCTAssertGreaterThan(moving, copying + 3) }

        let summary = try EvalSummary.write([result], thinkSteps: 0, seconds: 1, to: folder)
        XCTAssertEqual(try XCTUnwrap(summary.motion).psnr, motion.psnr, accuracy: 1e-9)
        XCTAssertEqual(summary.horizonPSNRMotion, result.horizonPSNRMotion)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertNotNil(json["motion"])
        XCTAssertNotNil(json["horizon_psnr_motion"])
        let csv = try String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        let header = csv[0].split(separator: ",", omittingEmptySubsequences: false), row = csv[1].split(separator: ",", omittingEmptySubsequences: false)
        let column = try XCTUnwrap(header.firstIndex(of: "motion_psnr"))
        XCTAssertEqual(header.count, row.count)
        XCTAssertEqual(try XCTUnwrap(Double(row[column])), motion.psnr, accuracy: 1e-3)
        try EvalReport.write(summary: summary, results: [result], modelPath: "untrained", grid: job.model.codec.grid, to: folder)
        let page = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("motion baseline") && page.contains("<th>motion PSNR</th>"))
        XCTAssertTrue(page.contains(String(format: "<td>%.2f</td>", motion.psnr)))

        // A record of another format (no format: from before the field; 1: the integer motion
        // baseline) is evaluated again.
        let record = EvalJob.record(of: clip, output: folder)
        var skipped: [Bool] = []
        _ = try job.run(request) { _, _, _, wasSkipped in skipped.append(wasSkipped) }
        XCTAssertEqual(skipped, [true], "an up-to-date record is reused")
        for stale in [["format"], ["format", "motion", "horizon_psnr_motion"], ["format=1"]] {
            var old = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: record)) as? [String: Any])
            XCTAssertEqual(old["format"] as? Int, ClipEvaluation.currentFormat)
            for key in stale { if key == "format=1" { old["format"] = 1 } else { old.removeValue(forKey: key) } }
            try JSONSerialization.data(withJSONObject: old).write(to: record)
            skipped = []
            let redone = try XCTUnwrap(try job.run(request) { _, _, _, wasSkipped in skipped.append(wasSkipped) }.first)
            XCTAssertEqual(skipped, [false], "a record without \(stale) is evaluated again")
            XCTAssertEqual(try XCTUnwrap(redone.motion).psnr, motion.psnr, accuracy: 1e-9)
            XCTAssertEqual(redone.horizonPSNRMotion, result.horizonPSNRMotion)
        }
    }

    func testCopyLastOnAStaticClipIsPerfect() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-static-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A still image decodes as a one-frame clip; write a static clip by repeating one frame.
        let reader = try VideoReaderFixture.firstFrame(of: committedClips.appendingPathComponent("s2024-000-bouncing.mp4"))
        try VideoReaderFixture.writeStatic(reader, frames: 12, to: folder.appendingPathComponent("static.mp4"))
        var request = EvalRequest(inputs: [folder.path], output: folder.appendingPathComponent("out"))
        request.horizon = 2
        let results = try EvalJob(model: try untrainedModel()).run(request)
        let copyLast = try XCTUnwrap(results.first?.copyLast)
        XCTAssertEqual(copyLast.psnr, PSNR.cap)
        XCTAssertEqual(copyLast.ssim, 1, accuracy: 1e-9)
    }
}
