import Foundation
import XCTest
import EBT
import PatchCodec
import Tensors
import VideoIO
@testable import Pipeline

final class PredictJobTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testPredictWritesVideoRecordsAndFramesWithGroundTruth() throws {
        let clip = committedClips.appendingPathComponent("s2024-000-bouncing.mp4")
        var request = PredictRequest(clip: clip, output: folder.appendingPathComponent("out"), options: PredictionOptions(thinkingSteps: 3))
        request.horizon = 4
        let result = try PredictJob(model: try untrainedModel()).run(request)
        XCTAssertEqual(result.contextRange, 86..<92, "the last context + horizon frames of a 96-frame clip")
        XCTAssertEqual(result.frames.map(\.index), [92, 93, 94, 95])
        for frame in result.frames {
            XCTAssertEqual(frame.energyTrace.count, 4, "start plus three thinking steps")
            XCTAssertNotNil(frame.psnr)
            XCTAssertNotNil(frame.copyLastSSIM)
            XCTAssertEqual(frame.energy, frame.energyTrace.last)
            XCTAssertEqual(frame.patchEnergies.count, 16, "one term per patch of the 4x4 grid")
            XCTAssertEqual(frame.patchShift.count, 16)
            XCTAssertEqual(Double(frame.patchEnergies.reduce(0, +)), Double(frame.energy!), accuracy: 1e-3 * Double(Swift.abs(frame.energy!)) + 1e-4)
        }
        // The video holds the context at the clip's rate, then each prediction held half a second,
        // five panels enlarged to 256 pixels.
        let reader = try VideoReader(url: result.files[0])
        let frames = try reader.readAll()
        let layout = PredictionVideo(grid: try PatchGrid(frameWidth: 32, frameHeight: 32, patchSize: 8), fps: 24)
        XCTAssertEqual(layout.panelWidth, 256)
        XCTAssertEqual(frames.count, 6 + 4 * 12)
        XCTAssertEqual(reader.metadata.width, layout.width)
        let records = try JSONDecoder().decode([PredictedFrame].self, from: Data(contentsOf: folder.appendingPathComponent("out/frames.json")))
        XCTAssertEqual(records.count, 4)
        let csv = try String(contentsOf: folder.appendingPathComponent("out/frames.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 5)
        XCTAssertTrue(csv[0].hasPrefix("index,step,energy,uncertainty,expected_psnr_db,psnr,ssim,mse,copy_last_psnr"))
        let npy = try Data(contentsOf: folder.appendingPathComponent("out/prediction.npy"))
        XCTAssertTrue(String(decoding: npy.prefix(128), as: UTF8.self).contains("(4, 32, 32, 3)"))
        // The continuation: the six context frames and the four predictions at the clip's own
        // 128x128, each prediction scored there against the clip's true frame.
        let continuation = try VideoReader(url: folder.appendingPathComponent("out/continuation.mp4"))
        XCTAssertEqual([continuation.metadata.width, continuation.metadata.height], [128, 128])
        XCTAssertEqual(try continuation.readAll().count, 6 + 4)
        for frame in result.frames {
            let (model, copyLast) = (try XCTUnwrap(frame.fullSizePSNR), try XCTUnwrap(frame.copyLastFullSizePSNR))
            XCTAssertTrue(model.isFinite && copyLast.isFinite && model != copyLast, "\(model) \(copyLast)")
        }
    }

    func testWithoutGroundTruthAndWithTheBaseline() throws {
        let clip = committedClips.appendingPathComponent("s2024-002-zoom.mp4")
        var request = PredictRequest(clip: clip, output: folder.appendingPathComponent("b"), options: PredictionOptions(thinkingSteps: 2))
        request.start = 90  // six frames left: all context, no truth
        request.horizon = 3
        let result = try PredictJob(model: try untrainedModel(kind: .baseline)).run(request)
        XCTAssertEqual(result.contextRange, 90..<95, "one frame is kept as truth when the window is short")
        XCTAssertNotNil(result.frames[0].psnr)
        XCTAssertNil(result.frames[1].psnr)
        XCTAssertNil(result.frames[0].energy, "the baseline has no energy")
    }

    func testBadRequestsAreRefused() throws {
        let job = PredictJob(model: try untrainedModel())
        var request = PredictRequest(clip: committedClips.appendingPathComponent("s2024-000-bouncing.mp4"),
                                     output: folder.appendingPathComponent("x"), options: PredictionOptions(thinkingSteps: 1))
        request.horizon = 0
        XCTAssertThrowsError(try job.run(request)) { XCTAssertTrue("\($0)".contains("horizon")) }
        request.horizon = 2
        request.start = 95
        XCTAssertThrowsError(try job.run(request)) { XCTAssertTrue("\($0)".contains("only 1 frame")) }
        request.start = nil
        request.clip = folder.appendingPathComponent("missing.mp4")
        XCTAssertThrowsError(try job.run(request)) { XCTAssertTrue("\($0)".contains("no such file")) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x").path))
    }
}
