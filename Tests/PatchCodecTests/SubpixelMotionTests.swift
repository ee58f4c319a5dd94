import XCTest
@testable import PatchCodec
import Tensors

final class SubpixelMotionTests: XCTestCase {
    /// A smooth picture (a few slanted waves per channel) sampled with its origin at (ox, oy):
    /// moving it by a fraction of a pixel changes every value a little, as camera footage does.
    func waves(width: Int, height: Int, ox: Double, oy: Double) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(x) - ox, v = Double(y) - oy
                for c in 0..<3 {
                    let k = Double(c + 1)
                    let value = 128 + 50 * sin(0.31 * u + 0.17 * v + k) + 40 * cos(0.23 * v - 0.11 * u * k) + 20 * sin(0.05 * (u + 2 * v))
                    out.append(UInt8(min(max(value.rounded(), 0), 255)))
                }
            }
        }
        return out
    }

    func interiorMeanAbsoluteError(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int, margin: Int) -> Double {
        var sum = 0.0, count = 0
        for y in margin..<(height - margin) {
            for x in margin..<(width - margin) {
                for c in 0..<3 {
                    let i = (y * width + x) * 3 + c
                    sum += abs(Double(a[i]) - Double(b[i])); count += 1
                }
            }
        }
        return sum / Double(count)
    }

    func testTheVertexOfTheParabolaThroughThreeCosts() {
        // Costs 4, 1, 2 at −1, 0, +1: the parabola 2t² − t + 1 bottoms out at t = 1/4.
        XCTAssertEqual(SubpixelMotion.vertexOffset(4, 1, 2), 0.25, accuracy: 1e-6)
        XCTAssertEqual(SubpixelMotion.vertexOffset(2, 1, 4), -0.25, accuracy: 1e-6)
        XCTAssertEqual(SubpixelMotion.vertexOffset(3, 1, 3), 0)
        XCTAssertEqual(SubpixelMotion.vertexOffset(5, 5, 5), 0, "a flat cost has no vertex")
        XCTAssertEqual(SubpixelMotion.vertexOffset(10, 0, 0), 0.5, "clamped to half a pixel")
    }

    func testAUniformHalfPixelFieldAveragesNeighbours() {
        // One row, values 0, 100, 200 in every channel; moved half a pixel to the right, pixel x
        // shows x − ½: the left edge clamps to its own value.
        let frame: [UInt8] = [0, 0, 0, 100, 100, 100, 200, 200, 200]
        let field = SubpixelField(width: 3, height: 1, blockSize: 8, dx: [0.5], dy: [0])
        XCTAssertEqual(SubpixelMotion.apply(field, to: frame), [0, 0, 0, 50, 50, 50, 150, 150, 150])
    }

    func testCatmullRomWeights() {
        XCTAssertEqual(SubpixelMotion.catmullRom(0), SIMD4(0, 1, 0, 0), "on a pixel it reads that pixel")
        XCTAssertEqual(SubpixelMotion.catmullRom(0.5), SIMD4(-1, 9, 9, -1) / 16)
        for t: Float in [0.1, 0.3, 0.77] {
            let w = SubpixelMotion.catmullRom(t)
            XCTAssertEqual(w.sum(), 1, accuracy: 1e-6)
            // It reproduces a straight line: Σ w_i·(i − 1) = t.
            XCTAssertEqual(w[0] * -1 + w[2] + 2 * w[3], t, accuracy: 1e-6)
        }
    }

    func testACubicHalfPixelShiftKeepsAnEdgeThatBilinearBlurs() {
        // One row 0 0 100 100 0 0 moved half a pixel right: pixel 3 reads the point 2.5, between
        // the two 100s, where the cubic through its four neighbours rises above them.
        let row: [UInt8] = [0, 0, 100, 100, 0, 0]
        let frame = row.flatMap { [$0, $0, $0] }
        var field = SubpixelField(width: 6, height: 1, blockSize: 8, dx: [0.5], dy: [0])
        XCTAssertEqual(SubpixelMotion.apply(field, to: frame)[9], 100)
        field.resampling = .cubic
        let cubic = SubpixelMotion.apply(field, to: frame)
        XCTAssertEqual(cubic[9], 113, "9/16·100 + 9/16·100 − 1/16·0 − 1/16·0 = 112.5")
        XCTAssertEqual(cubic[6], 50, "pixel 2 reads 1.5: 9/16·0 + 9/16·100 − 1/16·0 − 1/16·100")
    }

    /// A picture moving by (0.5, 0) px a frame, with fresh noise of `noise` grey levels each frame.
    private func pan(_ frame: Int, frequency: Double, noise: Double) -> [UInt8] {
        var generator = SeededGenerator(seed: UInt64(frame + 1))
        var out: [UInt8] = []
        for y in 0..<40 {
            for x in 0..<56 {
                let u = Double(x) - 0.5 * Double(frame), v = Double(y)
                for c in 0..<3 {
                    // Stripes across x plus stripes across y: texture in both directions, so the
                    // block search sees the motion (slanted stripes alone leave it ambiguous).
                    let clean = 128 + 50 * sin(frequency * u + Double(c)) + 50 * sin(0.9 * frequency * v + 2 * Double(c))
                    let jitter = noise * (2 * Double(generator.next() % 1_000_001) / 1_000_000 - 1)
                    out.append(UInt8(min(max((clean + jitter).rounded(), 0), 255)))
                }
            }
        }
        return out
    }

    func testTheHindcastChoosesTheResamplingThatPredictsBetter() {
        // Sharp, clean texture: the cubic keeps it; flat texture under heavy noise: bilinear's
        // smoothing predicts the next noisy frame better. In both the choice made from the last
        // two frames alone is the one that is nearer the frame that follows.
        for (frequency, noise, expected) in [(1.0, 0.0, Resampling.cubic), (0.15, 40.0, Resampling.bilinear)] {
            let (f0, f1, truth) = (pan(0, frequency: frequency, noise: noise), pan(1, frequency: frequency, noise: noise),
                                   pan(2, frequency: frequency, noise: noise))
            var field = SubpixelMotion.estimate(previous: f0, last: f1, width: 56, height: 40)
            XCTAssertEqual(field.resampling, expected, "frequency \(frequency), noise \(noise)")
            func error(_ resampling: Resampling) -> Double {
                field.resampling = resampling
                return interiorMeanAbsoluteError(SubpixelMotion.apply(field, to: f1), truth, width: 56, height: 40, margin: 8)
            }
            let other: Resampling = expected == .cubic ? .bilinear : .cubic
            XCTAssertLessThan(error(expected), error(other), "frequency \(frequency), noise \(noise)")
        }
    }

    func testAStaticFrameHasNoMotionAndIsReturnedAsIs() {
        let (width, height) = (40, 24), frame = waves(width: 40, height: 24, ox: 0, oy: 0)
        let field = SubpixelMotion.estimate(previous: frame, last: frame, width: width, height: height)
        XCTAssertTrue(field.dx.allSatisfy { $0 == 0 } && field.dy.allSatisfy { $0 == 0 })
        XCTAssertEqual(SubpixelMotion.extrapolate(previous: frame, last: frame, width: width, height: height), frame)
    }

    func testAFractionalPanIsMeasuredAndExtrapolatedBetterThanIntegerMatching() {
        // Content moving by (+0.5, −0.25) px per frame: integer matching can only stay or jump.
        let (width, height) = (64, 48)
        let f0 = waves(width: width, height: height, ox: 0, oy: 0)
        let f1 = waves(width: width, height: height, ox: 0.5, oy: -0.25)
        let truth = waves(width: width, height: height, ox: 1.0, oy: -0.5)
        let field = SubpixelMotion.estimate(previous: f0, last: f1, width: width, height: height)
        // A parabola through absolute differences lies between the integer match and the truth.
        for row in 1..<(field.rows - 1) {
            for column in 1..<(field.columns - 1) {
                let i = row * field.columns + column
                XCTAssertTrue(field.dx[i] > 0.1 && field.dx[i] <= 0.5, "block (\(column), \(row)) dx \(field.dx[i])")
                XCTAssertTrue(field.dy[i] > -0.25 && field.dy[i] < 0.1, "block (\(column), \(row)) dy \(field.dy[i])")
            }
        }
        let margin = 8
        let subpixel = interiorMeanAbsoluteError(SubpixelMotion.extrapolate(previous: f0, last: f1, width: width, height: height), truth, width: width, height: height, margin: margin)
        // The same resampling along the unrefined integer vectors.
        let coarse = BlockMotion.estimate(previous: f0, last: f1, width: width, height: height)
        let integerField = SubpixelField(width: width, height: height, blockSize: coarse.blockSize,
                                         dx: coarse.vectors.map { Float($0.dx) }, dy: coarse.vectors.map { Float($0.dy) })
        let integer = interiorMeanAbsoluteError(SubpixelMotion.apply(integerField, to: f1), truth, width: width, height: height, margin: margin)
        let copy = interiorMeanAbsoluteError(f1, truth, width: width, height: height, margin: margin)
        XCTAssertLessThan(subpixel, 0.5 * min(integer, copy), "sub-pixel \(subpixel), integer \(integer), copy-last \(copy)")
    }

    func testTheSearchMinimisesThePlainCost() {
        // BlockMotion's padded, early-stopping search chooses what the plain cost ranks first.
        let (width, height) = (37, 21)
        let a = waves(width: width, height: height, ox: 0, oy: 0), b = waves(width: width, height: height, ox: 1.6, oy: 2.3)
        let field = BlockMotion.estimate(previous: a, last: b, width: width, height: height)
        a.withUnsafeBufferPointer { p in
            b.withUnsafeBufferPointer { l in
                for row in 0..<field.rows {
                    for column in 0..<field.columns {
                        func cost(_ v: MotionVector) -> Double {
                            BlockMotion.cost(previous: p, last: l, width: width, height: height, column: column, row: row, displacement: v)
                        }
                        let chosen = cost(field[column, row])
                        for dy in -4...4 {
                            for dx in -4...4 {
                                XCTAssertLessThanOrEqual(chosen, cost(MotionVector(dx: dx, dy: dy)), "block (\(column), \(row)) against (\(dx), \(dy))")
                            }
                        }
                    }
                }
            }
        }
    }
}


final class SubpixelMotionAtAnotherSizeTests: XCTestCase {
    func testAFieldMeasuredSmallMovesALargerFrameInProportion() {
        // Half a pixel to the right on an 8x4 picture is one pixel on the same picture at 16x8:
        // every pixel of the larger frame shows its left neighbour (the left edge repeats).
        let field = SubpixelField(width: 8, height: 4, blockSize: 8, dx: [0.5], dy: [0])
        let (width, height) = (16, 8)
        let frame = (0..<(width * height)).flatMap { i -> [UInt8] in
            let v = UInt8((i % width) * 13 + (i / width)); return [v, v &+ 1, v &+ 2]
        }
        let moved = SubpixelMotion.apply(field, to: frame, width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                for k in 0..<3 {
                    XCTAssertEqual(moved[(y * width + x) * 3 + k], frame[(y * width + max(x - 1, 0)) * 3 + k], "(\(x), \(y)) channel \(k)")
                }
            }
        }
        XCTAssertEqual(SubpixelMotion.apply(field, to: Array(frame.prefix(8 * 4 * 3)), width: 8, height: 4),
                       SubpixelMotion.apply(field, to: Array(frame.prefix(8 * 4 * 3))), "at the field's own size, the plain form")
    }
}
