import XCTest
@testable import Pipeline
import VideoIO

/// Eval streams a clip: the window holds the frames a chunk reads plus the two it looks back at,
/// each frame and embedding as reading the whole clip gives it, and the rollouts' frames aside.
final class EvalFrameWindowTests: XCTestCase {
    func testTheWindowHoldsOnlyWhatTheNextChunkLooksBackAtAndReadsFramesAsTheyAre() throws {
        let model = try untrainedModel()
        let clip = committedClips.appendingPathComponent("s2024-001-pan.mp4")
        let codec = try WorkingFrames.codec(for: clip, model: model), grid = codec.grid, bytes = grid.frameByteCount
        let whole = try FrameBatch.read(clip, grid: grid, maxFrames: 1000)
        func frame(_ t: Int) -> [UInt8] { Array(whole.rgb[(t * bytes)..<((t + 1) * bytes)]) }
        let count = try EvalFrameWindow.frameCount(of: clip, grid: grid, maxFrames: 1000, keepOrientation: false)
        XCTAssertEqual(count, whole.frames)
        XCTAssertGreaterThan(count, 60)

        var window = try EvalFrameWindow(clip: clip, grid: grid, codecs: [codec], maxFrames: 1000, keepOrientation: false,
                                         keepFrames: [3], keepEmbeddings: [5])
        var most = 0
        for last in stride(from: 9, to: count, by: 10) {
            try window.read(through: last)
            XCTAssertEqual(window.count, last + 1)
            most = max(most, window.heldFrames)
            XCTAssertEqual(window.frame(last), frame(last), "frame \(last)")
            XCTAssertEqual(window.frame(last - 1), frame(last - 1), "frame \(last - 1)")
            XCTAssertEqual(window.embedding(last), codec.encode(rgb: frame(last), frameCount: 1), "embedding \(last)")
            window.drop(before: last - 1)
        }
        XCTAssertEqual(most, 12, "ten frames read and the two kept for looking back, never the clip")
        XCTAssertEqual(window.keptFrames.keys.sorted(), [3])
        XCTAssertEqual(window.keptFrames[3], frame(3))
        XCTAssertEqual(window.keptEmbeddings[5], codec.encode(rgb: frame(5), frameCount: 1))
        try window.read(through: count + 5)
        XCTAssertEqual(window.count, count, "the clip ends")
        XCTAssertEqual(window.changes.previous.count, count, "every frame fed to the scene cuts")
    }
}
