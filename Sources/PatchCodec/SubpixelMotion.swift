/// A displacement per block in fractions of a pixel, on the block layout of `MotionField`.
public struct SubpixelField: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let blockSize: Int
    public let columns: Int
    public let rows: Int
    /// Per block, row-major: how far its content moved from the previous frame to the last.
    public var dx: [Float]
    public var dy: [Float]
    /// How the field reads a frame between its pixels.
    public var resampling: Resampling

    public init(width: Int, height: Int, blockSize: Int, dx: [Float], dy: [Float], resampling: Resampling = .bilinear) {
        precondition(width > 0 && height > 0 && blockSize > 0)
        self.width = width
        self.height = height
        self.blockSize = blockSize
        columns = (width + blockSize - 1) / blockSize
        rows = (height + blockSize - 1) / blockSize
        precondition(dx.count == columns * rows && dy.count == columns * rows, "a motion field needs one vector per block")
        self.dx = dx
        self.dy = dy
        self.resampling = resampling
    }
}

/// How a motion field reads a frame between its pixels. Bilinear blends the four nearest pixels
/// and so blurs a sharp picture moved by half a pixel; the Catmull-Rom cubic reads sixteen and
/// keeps the detail, but also keeps the noise bilinear would have smoothed.
public enum Resampling: Sendable {
    case bilinear
    case cubic
}

/// The first guess thinking starts from: `BlockMotion`'s integer matches refined to a fraction of
/// a pixel, the field interpolated smoothly between block centres, and the last frame resampled
/// along it, bilinearly or by a cubic, whichever better explains the last frame from the one
/// before.
///
/// Camera footage moves by fractions of a pixel at a working size of 128: integer vectors there
/// either stay put or overshoot, and a field that jumps at block edges tears the picture. A
/// parabola through each block's matching cost at its best integer vector and the four
/// neighbouring ones finds where the cost bottoms out between them. Through absolute
/// differences, whose cost is V-shaped, the parabola leans toward the integer match: a damping
/// that real footage rewarded over the unbiased fit of two lines (docs/experiments.md).
public enum SubpixelMotion {
    /// The per-block motion from `previous` to `last` (interleaved RGB24 frames).
    public static func estimate(previous: [UInt8], last: [UInt8], width: Int, height: Int,
                                blockSize: Int = BlockMotion.blockSize, searchRange: Int = BlockMotion.searchRange) -> SubpixelField {
        let coarse = BlockMotion.estimate(previous: previous, last: last, width: width, height: height, blockSize: blockSize, searchRange: searchRange)
        var dx = [Float](repeating: 0, count: coarse.vectors.count), dy = dx
        previous.withUnsafeBufferPointer { p in
            last.withUnsafeBufferPointer { l in
                for by in 0..<coarse.rows {
                    for bx in 0..<coarse.columns {
                        let v = coarse[bx, by], i = by * coarse.columns + bx
                        func cost(_ x: Int, _ y: Int) -> Double {
                            BlockMotion.cost(previous: p, last: l, width: width, height: height, blockSize: blockSize,
                                             column: bx, row: by, displacement: MotionVector(dx: x, dy: y))
                        }
                        let centre = cost(v.dx, v.dy)
                        // At the edge of the search the outer neighbour was never a candidate; an
                        // exact match (no difference, whatever its penalty) is exact, whatever the
                        // texture makes of its neighbours.
                        let exact = BlockMotion.cost(previous: p, last: l, width: width, height: height, blockSize: blockSize,
                                                     column: bx, row: by, displacement: v, penalised: false) == 0
                        let refineX = !exact && abs(v.dx) < searchRange, refineY = !exact && abs(v.dy) < searchRange
                        dx[i] = Float(v.dx) + (refineX ? vertexOffset(cost(v.dx - 1, v.dy), centre, cost(v.dx + 1, v.dy)) : 0)
                        dy[i] = Float(v.dy) + (refineY ? vertexOffset(cost(v.dx, v.dy - 1), centre, cost(v.dx, v.dy + 1)) : 0)
                    }
                }
            }
        }
        var field = SubpixelField(width: width, height: height, blockSize: blockSize, dx: dx, dy: dy)
        field.resampling = hindcastChoice(field, previous: previous, last: last)
        return field
    }

    /// The resampling under which `field` best explains `last` from `previous` (the smaller sum of
    /// squared differences; bilinear on a tie): the picture and its noise decide, frame by frame,
    /// whether keeping detail or smoothing predicts better.
    static func hindcastChoice(_ field: SubpixelField, previous: [UInt8], last: [UInt8]) -> Resampling {
        func miss(_ resampling: Resampling) -> Int {
            var trial = field
            trial.resampling = resampling
            return zip(apply(trial, to: previous), last).reduce(0) { sum, pair in
                let d = Int(pair.0) - Int(pair.1)
                return sum + d * d
            }
        }
        return miss(.cubic) < miss(.bilinear) ? .cubic : .bilinear
    }

    /// Where the parabola through (−1, before), (0, centre), (1, after) has its vertex, within
    /// ±½: the integer match was the best, so the true minimum lies no further than halfway.
    static func vertexOffset(_ before: Double, _ centre: Double, _ after: Double) -> Float {
        let curvature = before - 2 * centre + after
        guard curvature > 0 else { return 0 }
        return Float(min(max(0.5 * (before - after) / curvature, -0.5), 0.5))
    }

    /// The next frame: `frame` at x − v(x), with v interpolated bilinearly between block centres
    /// (held constant beyond the outer centres) and `frame` read with the field's resampling,
    /// clamped at its edges.
    public static func apply(_ field: SubpixelField, to frame: [UInt8]) -> [UInt8] {
        apply(field, to: frame, width: field.width, height: field.height)
    }

    /// The same for a `width` x `height` frame of the picture the field was measured on at another
    /// size (the clip at its own resolution): the field is read where each pixel falls on the
    /// measured picture and its vectors scaled to this size.
    public static func apply(_ field: SubpixelField, to frame: [UInt8], width: Int, height: Int) -> [UInt8] {
        let size = field.blockSize
        precondition(width > 0 && height > 0 && frame.count >= width * height * 3, "frames must hold width * height * 3 bytes")
        let (toFieldX, toFieldY) = (Float(field.width) / Float(width), Float(field.height) / Float(height))
        // Per pixel column (row): the two block columns (rows) it lies between and its weight on the second.
        func between(_ extent: Int, _ blocks: Int, _ toField: Float) -> [(Int, Int, Float)] {
            (0..<extent).map { p in
                let t = (Float(p) + 0.5) * toField / Float(size) - 0.5
                let lower = min(max(Int(t.rounded(.down)), 0), blocks - 1), upper = min(lower + 1, blocks - 1)
                return (lower, upper, min(max(t - Float(lower), 0), 1))
            }
        }
        let xs = between(width, field.columns, toFieldX), ys = between(height, field.rows, toFieldY)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        frame.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let (r0, r1, fy) = ys[y]
                    for x in 0..<width {
                        let (c0, c1, fx) = xs[x]
                        func blend(_ v: [Float]) -> Float {
                            let top = v[r0 * field.columns + c0] * (1 - fx) + v[r0 * field.columns + c1] * fx
                            let bottom = v[r1 * field.columns + c0] * (1 - fx) + v[r1 * field.columns + c1] * fx
                            return top * (1 - fy) + bottom * fy
                        }
                        let sx = min(max(Float(x) - blend(field.dx) / toFieldX, 0), Float(width - 1))
                        let sy = min(max(Float(y) - blend(field.dy) / toFieldY, 0), Float(height - 1))
                        let x0 = Int(sx), y0 = Int(sy), wx = sx - Float(x0), wy = sy - Float(y0)
                        let o = (y * width + x) * 3
                        switch field.resampling {
                        case .bilinear:
                            let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                            let a = (y0 * width + x0) * 3, b = (y0 * width + x1) * 3, c = (y1 * width + x0) * 3, d = (y1 * width + x1) * 3
                            for k in 0..<3 {
                                let top = Float(src[a + k]) * (1 - wx) + Float(src[b + k]) * wx
                                let bottom = Float(src[c + k]) * (1 - wx) + Float(src[d + k]) * wx
                                dst[o + k] = UInt8(min(max((top * (1 - wy) + bottom * wy).rounded(), 0), 255))
                            }
                        case .cubic:
                            let (ax, ay) = (catmullRom(wx), catmullRom(wy))
                            var sums: (Float, Float, Float) = (0, 0, 0)
                            for j in 0..<4 {
                                let row = min(max(y0 + j - 1, 0), height - 1) * width
                                for i in 0..<4 {
                                    let at = (row + min(max(x0 + i - 1, 0), width - 1)) * 3, w = ax[i] * ay[j]
                                    sums.0 += Float(src[at]) * w
                                    sums.1 += Float(src[at + 1]) * w
                                    sums.2 += Float(src[at + 2]) * w
                                }
                            }
                            dst[o] = UInt8(min(max(sums.0.rounded(), 0), 255))
                            dst[o + 1] = UInt8(min(max(sums.1.rounded(), 0), 255))
                            dst[o + 2] = UInt8(min(max(sums.2.rounded(), 0), 255))
                        }
                    }
                }
            }
        }
        return out
    }

    /// The Catmull-Rom weights of the pixels at offsets −1, 0, 1 and 2 from a point `t` ∈ [0, 1)
    /// past the one at 0 (the cubic through them that passes through every pixel; they sum to 1).
    @inline(__always)
    static func catmullRom(_ t: Float) -> SIMD4<Float> {
        SIMD4(((-0.5 * t + 1) * t - 0.5) * t, (1.5 * t - 2.5) * t * t + 1, ((-1.5 * t + 2) * t + 0.5) * t, (0.5 * t - 0.5) * t * t)
    }

    /// The next frame after `previous` and `last`: their sub-pixel motion carried one frame ahead.
    public static func extrapolate(previous: [UInt8], last: [UInt8], width: Int, height: Int) -> [UInt8] {
        apply(estimate(previous: previous, last: last, width: width, height: height), to: last)
    }

    /// `horizon` frames after `previous` and `last`: their motion applied to the last frame, then
    /// the same motion to that prediction, and so on (the scene keeps moving as it last moved).
    public static func rollout(previous: [UInt8], last: [UInt8], width: Int, height: Int, horizon: Int) -> [[UInt8]] {
        let field = estimate(previous: previous, last: last, width: width, height: height)
        var frames: [[UInt8]] = [], current = last
        for _ in 0..<max(horizon, 0) {
            current = apply(field, to: current)
            frames.append(current)
        }
        return frames
    }
}
