import XCTest
@testable import PatchCodec

final class BlockMotionTests: XCTestCase {
    /// A pixel-scale random texture on a canvas larger than the frame, so any window of it is
    /// unambiguous to block matching.
    struct Texture {
        let side: Int
        var values: [UInt8]

        init(side: Int, seed: UInt64) {
            self.side = side
            var state = seed
            values = (0..<(side * side * 3)).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
        }

        /// The width x height window whose top-left corner is at (left, top) of the canvas.
        func window(left: Int, top: Int, width: Int, height: Int) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(width * height * 3)
            for y in 0..<height {
                let start = ((top + y) * side + left) * 3
                out += values[start..<(start + width * 3)]
            }
            return out
        }
    }

    /// Frame k of content moving by (+2, −1) px per frame: pixel (x, y) of frame k shows the
    /// canvas at (x − 2k, y + k).
    func panning(_ texture: Texture, frame k: Int, width: Int, height: Int) -> [UInt8] {
        texture.window(left: 20 - 2 * k, top: 20 + k, width: width, height: height)
    }

    func interior(_ frame: [UInt8], width: Int, height: Int, margin: Int) -> [UInt8] {
        var out: [UInt8] = []
        for y in margin..<(height - margin) {
            out += frame[((y * width + margin) * 3)..<((y * width + width - margin) * 3)]
        }
        return out
    }

    /// Equality of two frames, reported as a count of differing values rather than every byte.
    func assertSame(_ a: [UInt8], _ b: [UInt8], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        let differing = zip(a, b).filter { $0 != $1 }.count
        XCTAssertEqual(differing, 0, "\(message): \(differing) of \(a.count) values differ", file: file, line: line)
    }

    func testATranslatedTextureIsTrackedAndExtrapolatedExactly() throws {
        let (width, height) = (64, 48), texture = Texture(side: 128, seed: 7)
        let f0 = panning(texture, frame: 0, width: width, height: height)
        let f1 = panning(texture, frame: 1, width: width, height: height)
        let truth = panning(texture, frame: 2, width: width, height: height)
        let field = BlockMotion.estimate(previous: f0, last: f1, width: width, height: height)
        XCTAssertEqual(field.columns, 8)
        XCTAssertEqual(field.rows, 6)
        for row in 1..<(field.rows - 1) {
            for column in 1..<(field.columns - 1) {
                XCTAssertEqual(field[column, row], MotionVector(dx: 2, dy: -1), "block (\(column), \(row))")
            }
        }
        // Away from the edges (where content enters the frame) the extrapolation is the truth:
        // exact matches are not refined, so an integer pan stays integer.
        let margin = BlockMotion.blockSize + BlockMotion.searchRange
        let predicted = SubpixelMotion.extrapolate(previous: f0, last: f1, width: width, height: height)
        XCTAssertEqual(predicted.count, width * height * 3)
        assertSame(interior(predicted, width: width, height: height, margin: margin),
                   interior(truth, width: width, height: height, margin: margin), "the extrapolation")
        XCTAssertNotEqual(interior(f1, width: width, height: height, margin: margin),
                          interior(truth, width: width, height: height, margin: margin), "copy-last is not already right")
        // A rollout keeps moving: step k is frame 1 + k, exactly, inside a margin that grows by the motion.
        let rollout = SubpixelMotion.rollout(previous: f0, last: f1, width: width, height: height, horizon: 3)
        XCTAssertEqual(rollout.count, 3)
        assertSame(rollout[0], predicted, "the rollout's first step")
        for (k, step) in rollout.enumerated() {
            let truth = panning(texture, frame: 2 + k, width: width, height: height), m = margin + 2 * k
            assertSame(interior(step, width: width, height: height, margin: m), interior(truth, width: width, height: height, margin: m), "step \(k + 1)")
        }
    }

    func testAStaticFrameHasNoMotionAndIsReturnedAsIs() {
        let (width, height) = (40, 24), frame = Texture(side: 64, seed: 3).window(left: 0, top: 0, width: 40, height: 24)
        let field = BlockMotion.estimate(previous: frame, last: frame, width: width, height: height)
        XCTAssertEqual(field, MotionField.zero(width: width, height: height))
        let rollout = SubpixelMotion.rollout(previous: frame, last: frame, width: width, height: height, horizon: 2)
        XCTAssertEqual(rollout.count, 2)
        for step in rollout { assertSame(step, frame, "a rollout step") }
        // A flat frame matches equally at every displacement: the tie goes to staying put.
        let flat = [UInt8](repeating: 90, count: width * height * 3)
        XCTAssertEqual(BlockMotion.estimate(previous: flat, last: flat, width: width, height: height).vectors, field.vectors)
    }

    func testUnrelatedNoiseAndOddSizesKeepTheFrameSize() {
        for (width, height) in [(37, 21), (5, 3), (1, 1), (64, 64)] {
            let a = Texture(side: 72, seed: 11).window(left: 1, top: 2, width: width, height: height)
            let b = Texture(side: 72, seed: 12).window(left: 3, top: 0, width: width, height: height)
            let field = BlockMotion.estimate(previous: a, last: b, width: width, height: height)
            XCTAssertEqual(field.columns, (width + 7) / 8)
            XCTAssertEqual(field.rows, (height + 7) / 8)
            XCTAssertTrue(field.vectors.allSatisfy { abs($0.dx) <= 4 && abs($0.dy) <= 4 })
            XCTAssertEqual(SubpixelMotion.extrapolate(previous: a, last: b, width: width, height: height).count, width * height * 3)
        }
        // An odd size with real motion: partial blocks at the right and bottom are tracked too.
        let (width, height) = (37, 21), texture = Texture(side: 96, seed: 5)
        let f0 = panning(texture, frame: 0, width: width, height: height), f1 = panning(texture, frame: 1, width: width, height: height)
        let field = BlockMotion.estimate(previous: f0, last: f1, width: width, height: height)
        XCTAssertEqual(field.vector(atX: 36, y: 20), field[4, 2])
        XCTAssertEqual(field[2, 1], MotionVector(dx: 2, dy: -1))
        XCTAssertEqual(field[4, 1], MotionVector(dx: 2, dy: -1), "a 5-px-wide block away from the top and bottom edges")
        let predicted = SubpixelMotion.extrapolate(previous: f0, last: f1, width: width, height: height)
        let truth = panning(texture, frame: 2, width: width, height: height)
        // Pixel (20, 10) is inside block (2, 1), far enough from every edge for the motion to be exact.
        let i = (10 * width + 20) * 3
        XCTAssertEqual(Array(predicted[i..<(i + 3)]), Array(truth[i..<(i + 3)]))
    }
}
