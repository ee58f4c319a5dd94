import XCTest
import PatchCodec
@testable import Pipeline

final class FullSizeRenderingTests: XCTestCase {
    func testTheSizeIsTheClipsUpTo1080pWithEvenSides() {
        let small = FullSizeRendering(clipWidth: 720, clipHeight: 405, workingWidth: 128, workingHeight: 72)
        XCTAssertEqual([small.width, small.height], [720, 406], "its own size, the odd side made even")
        let large = FullSizeRendering(clipWidth: 3840, clipHeight: 2160, workingWidth: 128, workingHeight: 72)
        XCTAssertEqual([large.width, large.height], [1920, 1080])
        let portrait = FullSizeRendering(clipWidth: 1080, clipHeight: 2400, workingWidth: 56, workingHeight: 128)
        XCTAssertEqual([portrait.width, portrait.height], [864, 1920])
    }

    /// A working-size frame of `value` everywhere, and a large frame of a pattern.
    private func flat(_ value: UInt8, _ width: Int, _ height: Int) -> [UInt8] { [UInt8](repeating: value, count: width * height * 3) }

    func testWithoutMotionOrCorrectionTheClipsOwnLastFrameIsKeptWhole() {
        let rendering = FullSizeRendering(clipWidth: 40, clipHeight: 24, workingWidth: 10, workingHeight: 6)
        let last = (0..<(40 * 24 * 3)).map { UInt8(($0 * 37) % 251) }
        let zero = SubpixelField(width: 10, height: 6, blockSize: 8, dx: [0, 0], dy: [0, 0])
        for field in [nil, zero] {
            XCTAssertEqual(rendering.next(after: last, field: field, reference: flat(90, 10, 6), prediction: flat(90, 10, 6)), last,
                           "all the detail of the clip's frame, none of the working size's")
        }
    }

    func testTheModelsCorrectionIsEnlargedOntoTheFrame() {
        // The prediction is 10 grey levels above its guess on the left half of the working frame
        // and equal on the right: the large frame gains 10 on the left and nothing on the right,
        // with a ramp only across the middle.
        let rendering = FullSizeRendering(clipWidth: 40, clipHeight: 24, workingWidth: 10, workingHeight: 6)
        let last = flat(100, 40, 24), reference = flat(50, 10, 6)
        var prediction = reference
        for y in 0..<6 { for x in 0..<5 { for k in 0..<3 { prediction[(y * 10 + x) * 3 + k] = 60 } } }
        let drawn = rendering.next(after: last, field: nil, reference: reference, prediction: prediction)
        for y in 0..<24 {
            XCTAssertEqual(drawn[(y * 40 + 3) * 3], 110, "left, row \(y)")
            XCTAssertEqual(drawn[(y * 40 + 36) * 3 + 2], 100, "right, row \(y)")
            let middle = drawn[(y * 40 + 20) * 3]
            XCTAssertTrue(middle > 100 && middle < 110, "the middle is between: \(middle)")
        }
    }
}
