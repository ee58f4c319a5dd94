import Foundation
import XCTest
import EBT
@testable import Pipeline

/// A model whose stored values are all finite can still overflow when run. Predict, overlay and
/// eval then fail that clip with an error naming it, write nothing for it, and eval goes on to the
/// next clip; none of them traps converting NaN to pixels or integers.
final class NonFiniteModelTests: XCTestCase {
    /// The untrained model with every value of tensor `name` replaced by `value`, loaded as a file would be.
    func corrupted(_ name: String, to value: Float) throws -> ModelFile {
        var file = try untrainedModel().safetensors()
        let entry = try XCTUnwrap(file.entries[name], name)
        file.entries[name] = .init(shape: entry.shape, values: [Float](repeating: value, count: entry.values.count))
        return try ModelFile(file: file, path: "corrupt.safetensors")
    }

    /// A huge step size and weights near the Float limit: finite in the file, not when run.
    func corruptModels() throws -> [(String, ModelFile)] {
        [("step size", try corrupted("model.logStepSize", to: 80)),
         ("weights", try corrupted("model.backbone.blocks.0.attention.key.weight", to: 3e38))]
    }

    func testPredictAndOverlayFailTheClipAndWriteNothing() throws {
        let folder = try scratchFolder(for: self)
        let clip = committedClips.appendingPathComponent("s2024-001-pan.mp4")
        for (name, model) in try corruptModels() {
            var predict = PredictRequest(clip: clip, output: folder.appendingPathComponent("predict"), options: PredictionOptions(thinkingSteps: 2))
            predict.horizon = 2
            XCTAssertThrowsError(try PredictJob(model: model).run(predict), name) { error in
                XCTAssertTrue("\(error)".hasPrefix(clip.relativePath + ": the model's ") && "\(error)".contains("not a finite number"), "\(name): \(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: predict.output.path), name)

            var overlay = OverlayRequest(clip: clip, output: folder.appendingPathComponent("overlay.mp4"))
            overlay.size = 64
            XCTAssertThrowsError(try OverlayJob(model: model).run(overlay), name) { error in
                XCTAssertTrue("\(error)".hasPrefix(clip.relativePath + ": ") && "\(error)".contains("not a finite number"), "\(name): \(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: overlay.output.path), name)
        }
    }

    func testEvalRecordsTheFailureOfEachClipAndGoesOn() throws {
        let folder = try scratchFolder(for: self)
        for (name, model) in try corruptModels() {
            var request = EvalRequest(inputs: ["s2024-001-pan.mp4", "s2024-002-zoom.mp4"].map { committedClips.appendingPathComponent($0).path },
                                      output: folder.appendingPathComponent("eval-\(name)"))
            request.horizon = 2
            let results = try EvalJob(model: model).run(request)
            XCTAssertEqual(results.count, 2, name)
            for result in results {
                XCTAssertTrue(result.error?.contains("not a finite number") ?? false, "\(name): \(result.error ?? "no error")")
                XCTAssertTrue(FileManager.default.fileExists(atPath: EvalJob.record(of: URL(fileURLWithPath: result.clip), output: request.output).path))
            }
            XCTAssertEqual(try EvalSummary.write(results, thinkSteps: 2, seconds: 1, to: request.output).failed, 2)
        }
    }

    /// Values that are not numbers, or far outside any scale, still draw: the heat, the gauge
    /// and the sparkline clamp every value, NaN included.
    func testOverlayDrawingClampsValuesThatAreNotNumbers() throws {
        let grid = try untrainedModel().codec.grid, strip = OverlayStrip(width: 64)
        var canvas = Canvas(width: 64, height: 64 + strip.height)
        var map = [Float](repeating: 1, count: grid.patchCount)
        map[0] = .nan
        map[1] = .infinity
        map[2] = 3e38
        map[3] = -3e38
        HeatBlend.draw(map, rows: grid.rows, columns: grid.columns, on: &canvas, x: 0, y: 0, width: 64, height: 64)
        HeatBlend.draw(map.map { PSNRHeat.level(Double($0)) }, rows: grid.rows, columns: grid.columns, on: &canvas, x: 0, y: 0, width: 64, height: 64)
        let scores: [Double] = [.nan, .nan, .infinity, -.infinity, 3e300, -3e300, 1]
        for t in scores.indices {
            strip.draw(on: &canvas, top: 64, frame: t, surprisePSNR: scores, expectedPSNR: scores.reversed(), outliers: [2], cuts: [3])
        }
        XCTAssertEqual(Float.nan.clampedToUnitInterval, 0)
        XCTAssertEqual(Float.infinity.clampedToUnitInterval, 1)
        XCTAssertEqual(Float(-2).clampedToUnitInterval, 0)
        XCTAssertEqual(Float(0.25).clampedToUnitInterval, 0.25)
    }
}
