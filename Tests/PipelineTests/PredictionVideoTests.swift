import Foundation
import XCTest
import PatchCodec
import VideoIO
@testable import Pipeline

/// prediction.mp4 as a viewer sees it, decoded from the written file.
final class PredictionVideoTests: XCTestCase {
    /// A wide working grid (the clip's aspect, not a square), with a flat grey context and
    /// prediction, a truth one shade off, and an uncertainty map hot in its first patch only
    /// (its expected PSNR at the bottom of the colour scale, the others above the top).
    func render(truthFrames: Int = 2) throws -> (video: PredictionVideo, frames: [RGBFrame]) {
        let grid = try PatchGrid(frameWidth: 64, frameHeight: 40, patchSize: 8)
        let gray = [UInt8](repeating: 100, count: grid.frameByteCount)
        var patchPSNR = [Double](repeating: PSNRHeat.clear + 5, count: grid.patchCount)
        patchPSNR[0] = PSNRHeat.hot
        let captions = (0..<2).map {
            PredictionVideo.Caption(index: 10 + $0, energy: 5, psnr: truthFrames > $0 ? 31.5 : nil, expectedPSNR: 28, patchPSNR: patchPSNR)
        }
        let video = PredictionVideo(grid: grid, fps: 20)
        let url = try scratchFolder(for: self).appendingPathComponent("prediction.mp4")
        try video.write(to: url, context: [gray, gray, gray], firstIndex: 7, predicted: [gray, gray],
                        truth: Array(repeating: gray.map { $0 + 8 }, count: truthFrames), captions: captions)
        let reader = try VideoReader(url: url)
        let frames = try reader.readAll()
        XCTAssertEqual(reader.metadata.width, video.width)
        XCTAssertEqual(reader.metadata.height, video.height)
        return (video, frames)
    }

    /// Pixels in a rectangle brighter than the dark background by far: drawn text or marks.
    func brightPixels(_ frame: RGBFrame, x: Int, y: Int, width: Int, height: Int, above: Int = 150) -> Int {
        var count = 0
        for row in y..<(y + height) {
            for column in x..<(x + width) {
                let i = (row * frame.width + column) * 3
                if (Int(frame.pixels[i]) + Int(frame.pixels[i + 1]) + Int(frame.pixels[i + 2])) / 3 > above { count += 1 }
            }
        }
        return count
    }

    func meanColor(_ frame: RGBFrame, x: Int, y: Int, size: Int) -> [Double] {
        var sums = [0.0, 0.0, 0.0]
        for row in y..<(y + size) {
            for column in x..<(x + size) {
                for c in 0..<3 { sums[c] += Double(frame.pixels[(row * frame.width + column) * 3 + c]) }
            }
        }
        return sums.map { $0 / Double(size * size) }
    }

    func testPanelsAreLargeTitledCaptionedAndHeldLongEnoughToRead() throws {
        let (video, frames) = try render()
        // The context at the clip's rate, then each prediction held half a second (10 frames at 20 fps).
        XCTAssertEqual(video.hold, 10)
        XCTAssertEqual(frames.count, 3 + 2 * 10)
        XCTAssertEqual(video.panelWidth, 256, "64 working pixels enlarged to at least 256")
        XCTAssertEqual(video.panelHeight, 160, "in the working frames' aspect")
        XCTAssertGreaterThan(video.textScale, 1, "text grows with the panels")

        let contextFrame = frames[0], predictedFrame = frames[3 + 10]
        let titleBand = (y: 0, height: video.titleHeight)
        for panel in 0..<PredictionVideo.titles.count {
            let lit = brightPixels(predictedFrame, x: video.panelX(panel), y: titleBand.y, width: video.panelWidth, height: titleBand.height)
            if panel > 0 { XCTAssertGreaterThan(lit, 40, "panel \(panel)'s title is drawn while predicting") }
            // During the context only the context's title is lit: the titles mark the phase.
            let dark = brightPixels(contextFrame, x: video.panelX(panel), y: titleBand.y, width: video.panelWidth, height: titleBand.height)
            if panel == 0 { XCTAssertGreaterThan(dark, 40) } else { XCTAssertEqual(dark, 0, "panel \(panel) is unlit during the context") }
        }
        // A caption under the panels on every frame, and nothing bright in an empty corner.
        let captionY = video.panelY + video.panelHeight + video.gap
        for frame in [contextFrame, predictedFrame] {
            XCTAssertGreaterThan(brightPixels(frame, x: 0, y: captionY, width: video.width / 2, height: video.lineHeight), 100)
        }
        XCTAssertEqual(brightPixels(predictedFrame, x: video.width - 8, y: 0, width: 8, height: 8), 0)
        // The timeline's current slot (white) moves from the context into the prediction.
        let barY = video.height - video.timelineHeight + video.gap
        let firstSlot = brightPixels(contextFrame, x: video.gap + 2, y: barY, width: 4, height: 2, above: 220)
        let firstSlotLater = brightPixels(predictedFrame, x: video.gap + 2, y: barY, width: 4, height: 2, above: 220)
        XCTAssertGreaterThan(firstSlot, firstSlotLater)
    }

    func testTheUncertaintyMapShowsWhichPatchTheModelIsUnsureOf() throws {
        let (video, frames) = try render()
        let frame = frames[3]
        let patch = 8 * video.scale, inset = patch / 4
        let hot = meanColor(frame, x: video.panelX(4) + inset, y: video.panelY + inset, size: patch / 2)
        let calm = meanColor(frame, x: video.panelX(4) + video.panelWidth - patch + inset, y: video.panelY + video.panelHeight - patch + inset, size: patch / 2)
        let difference = zip(hot, calm).map { abs($0 - $1) }.reduce(0, +)
        XCTAssertGreaterThan(difference, 60, "hot \(hot) against calm \(calm)")
    }

    func testWithoutTruthItsPanelsSaySoAndTheVideoStillHasEveryFrame() throws {
        let (video, frames) = try render(truthFrames: 0)
        XCTAssertEqual(frames.count, 3 + 2 * video.hold)
        let frame = frames[3]
        XCTAssertGreaterThan(brightPixels(frame, x: video.panelX(1), y: video.panelY, width: video.panelWidth, height: video.panelHeight, above: 120), 40,
                             "a note in the truth panel")
    }
}
