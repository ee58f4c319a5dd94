import Foundation
import XCTest
import EBT
import VideoIO
@testable import Pipeline

/// Hard cuts found in clips, and what predict, eval and overlay do with them.
final class SceneCutsTests: XCTestCase {
    func testACutIsAFarBiggerDifferenceThanItsNeighboursThatLasts() {
        // A steady pan: every frame differs a lot, none far more than the rest.
        let pan = [Double](repeating: 300, count: 60)
        XCTAssertEqual(SceneCuts.cuts(previous: [.nan] + pan.dropFirst(), skipping: [.nan, .nan] + pan.dropFirst(2)), [])
        // A new shot at 40: far from the frame before and from the one before that, and it lasts.
        var previous = [Double](repeating: 20, count: 60), skipping = [Double](repeating: 35, count: 60)
        previous[0] = .nan; skipping[0] = .nan; skipping[1] = .nan
        previous[40] = 5000; skipping[40] = 5000; skipping[41] = 5000
        XCTAssertEqual(SceneCuts.cuts(previous: previous, skipping: skipping), [40])
        // A one-frame flash at 20: the frame after it returns to the picture before.
        previous[20] = 5000; previous[21] = 5000; skipping[20] = 5000; skipping[21] = 30; skipping[22] = 5000
        XCTAssertEqual(SceneCuts.cuts(previous: previous, skipping: skipping), [40], "a flash is no cut")
        // Noise on a still clip: far above its usual difference, but below the floor.
        var still = [Double](repeating: 1, count: 60)
        still[0] = .nan
        still[30] = 50
        XCTAssertEqual(SceneCuts.cuts(previous: still, skipping: still.map { $0 == 50 ? 50 : $0 }), [])
        XCTAssertEqual(SceneCuts.crossing(10..<41, cuts: [5, 10, 40, 41]), [40], "a window starting at a cut is inside one shot")
    }

    /// `first` frames of a pan, then `second` of a zoom over another texture, at 64x64: a hard cut at `first`.
    func clipWithACut(first: Int, second: Int, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("cut.mp4")
        let writer = try VideoWriter(url: url, width: 64, height: 64, fps: 24)
        for frame in SyntheticClip(seed: 11, kind: .pan, size: 64, frameCount: first, surprises: false).frames() { try writer.append(frame) }
        for frame in SyntheticClip(seed: 12, kind: .zoom, size: 64, frameCount: second, surprises: false).frames() { try writer.append(frame) }
        try writer.finish()
        return url
    }

    func testPredictEvalAndOverlayFindTheCutOfAClipMadeOfTwo() throws {
        let folder = try scratchFolder(for: self)
        let clip = try clipWithACut(first: 40, second: 6, in: folder)
        let model = try untrainedModel()

        // The default window (context 6 + horizon 4) would end 6 frames into the second shot:
        // predict moves it back inside the first and says so.
        var request = PredictRequest(clip: clip, output: folder.appendingPathComponent("p"), options: PredictionOptions(thinkingSteps: 1))
        request.horizon = 4
        let moved = try PredictJob(model: model).run(request)
        XCTAssertEqual(moved.contextRange, 30..<36)
        XCTAssertEqual(moved.frames.map(\.index), [36, 37, 38, 39])
        XCTAssertEqual(moved.sceneCuts, [])
        XCTAssertEqual(moved.notes.count, 1)
        XCTAssertTrue(moved.notes[0].contains("scene cut at frame 40") && moved.notes[0].contains("30...39"), moved.notes[0])
        XCTAssertEqual(moved.warnings, [])
        // A window asked for across the cut is kept, with a warning.
        request.start = 34
        let crossing = try PredictJob(model: model).run(request)
        XCTAssertEqual(crossing.sceneCuts, [40])
        XCTAssertTrue(crossing.warnings.first?.contains("crosses a scene cut at frame 40") ?? false, "\(crossing.warnings)")

        // eval records the cut, keeps it in its figures and says what they are without it.
        let evaluation = EvalRequest(inputs: [clip.path], output: folder.appendingPathComponent("e"))
        let results = try EvalJob(model: model).run(evaluation)
        XCTAssertEqual(results.first?.cutFrames, [40])
        let summary = EvalSummary(results, thinkSteps: 1, seconds: 1)
        XCTAssertEqual(summary.cutFrames, 1)
        XCTAssertTrue(summary.cutFramesIncluded)
        let withoutCuts = try XCTUnwrap(summary.copyLastPSNRWithoutCuts)
        XCTAssertGreaterThan(withoutCuts, try XCTUnwrap(summary.copyLast).psnr, "the cut frame drags copy-last down")
        XCTAssertTrue(EvalReport.html(summary: summary, results: results, modelPath: "m", thumbnails: [], folder: folder)
            .contains("Scene cuts: 1 evaluated frames start a new shot"))

        // overlay marks it in its files.
        var overlay = OverlayRequest(clip: clip, output: folder.appendingPathComponent("o.mp4"))
        overlay.size = 64
        let overlaid = try OverlayJob(model: model).run(overlay)
        XCTAssertEqual(overlaid.sceneCuts, [40])
        let rows = try String(contentsOf: folder.appendingPathComponent("o.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(rows[0].hasSuffix(",outlier,cut"))
        XCTAssertEqual(rows.dropFirst().enumerated().filter { $0.element.hasSuffix(",1") }.map(\.offset), [40])
    }
}
