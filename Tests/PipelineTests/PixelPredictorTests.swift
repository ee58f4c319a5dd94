import XCTest
import EBT
import PatchCodec
import VideoIO
@testable import Pipeline

final class PixelPredictorTests: XCTestCase {
    /// Without thinking a motion-start model's rollout is its guesses, and its guesses carry the
    /// motion of the last two real frames on, step after step: exactly the motion baseline's rollout.
    func testARolloutWithoutThinkingIsTheMotionBaselinesRollout() throws {
        let model = try untrainedModel(start: .motion)
        let grid = model.codec.grid, predictor = PixelPredictor(network: model.network, codec: model.codec)
        XCTAssertTrue(predictor.usesGuesses)
        let reader = try VideoReader(url: committedClips.appendingPathComponent("s2024-001-pan.mp4"),
                                     options: ReadOptions(width: grid.frameWidth, height: grid.frameHeight))
        let frames = try Array(reader.readAll().prefix(6)).map(\.pixels)
        let embeddings = frames.map { model.codec.encode(rgb: $0, frameCount: 1) }
        let rollout = try predictor.rollout(frames: frames, embeddings: embeddings, horizon: 3, options: PredictionOptions(thinkingSteps: 0))
        let motion = SubpixelMotion.rollout(previous: frames[4], last: frames[5], width: grid.frameWidth, height: grid.frameHeight, horizon: 3)
        XCTAssertNotEqual(motion[2], frames[5], "the clip moves")
        XCTAssertEqual(rollout.count, 3)
        for (k, step) in rollout.enumerated() {
            XCTAssertEqual(step.pixels, motion[k], "step \(k + 1)")
        }
    }
}
