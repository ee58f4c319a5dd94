import PatchCodec

/// Predictions drawn at the clip's own resolution. The model predicts at its working size; what
/// it predicts is the first guess (the motion measured between the last two frames) plus a
/// correction, so at the clip's size the motion is applied to the clip's own last frame, which
/// keeps all its detail, and only the correction is enlarged from the working size.
public struct FullSizeRendering {
    /// The largest long side drawn: 1080p.
    public static let maximumLongSide = 1920

    public let width: Int
    public let height: Int
    /// The working size the model predicts at.
    public let workingWidth: Int
    public let workingHeight: Int

    /// The clip's size (`clipWidth` x `clipHeight`), reduced in proportion when its long side is
    /// above `maximumLongSide`, both sides even (as H.264 needs).
    public init(clipWidth: Int, clipHeight: Int, workingWidth: Int, workingHeight: Int) {
        (width, height) = Self.size(clipWidth: clipWidth, clipHeight: clipHeight)
        (self.workingWidth, self.workingHeight) = (workingWidth, workingHeight)
    }

    /// The size a `clipWidth` x `clipHeight` clip is drawn at: its own, reduced in proportion when
    /// its long side is above `maximumLongSide`, both sides even.
    public static func size(clipWidth: Int, clipHeight: Int) -> (width: Int, height: Int) {
        let reduction = min(1, Double(maximumLongSide) / Double(max(clipWidth, clipHeight)))
        return (even(Double(clipWidth) * reduction), even(Double(clipHeight) * reduction))
    }

    /// The nearest even side, at least 2 (H.264 halves both sides for its colour planes).
    static func even(_ side: Double) -> Int { max(2, Int((side / 2).rounded()) * 2) }

    /// The frame after `last` (at this size): `field` (measured at the working size, nil for none)
    /// carried onto it, plus `prediction − reference` (working-size frames: the model's prediction
    /// and the guess it started from) enlarged bilinearly.
    public func next(after last: [UInt8], field: SubpixelField?, reference: [UInt8], prediction: [UInt8]) -> [UInt8] {
        precondition(last.count == width * height * 3 && reference.count == prediction.count
                     && prediction.count == workingWidth * workingHeight * 3, "frame sizes")
        var picture = field.map { SubpixelMotion.apply($0, to: last, width: width, height: height) } ?? last
        // Where each pixel falls on the working grid: the two working columns (rows) around it.
        func between(_ extent: Int, _ working: Int) -> [(Int, Int, Float)] {
            (0..<extent).map { p in
                let t = min(max((Float(p) + 0.5) * Float(working) / Float(extent) - 0.5, 0), Float(working - 1))
                let lower = Int(t)
                return (lower, min(lower + 1, working - 1), t - Float(lower))
            }
        }
        let xs = between(width, workingWidth), ys = between(height, workingHeight)
        let change = zip(prediction, reference).map { Float($0) - Float($1) }
        for y in 0..<height {
            let (r0, r1, fy) = ys[y]
            for x in 0..<width {
                let (c0, c1, fx) = xs[x]
                let a = (r0 * workingWidth + c0) * 3, b = (r0 * workingWidth + c1) * 3
                let c = (r1 * workingWidth + c0) * 3, d = (r1 * workingWidth + c1) * 3
                let o = (y * width + x) * 3
                for k in 0..<3 {
                    let top = change[a + k] * (1 - fx) + change[b + k] * fx
                    let bottom = change[c + k] * (1 - fx) + change[d + k] * fx
                    picture[o + k] = UInt8(min(max((Float(picture[o + k]) + top * (1 - fy) + bottom * fy).rounded(), 0), 255))
                }
            }
        }
        return picture
    }
}
