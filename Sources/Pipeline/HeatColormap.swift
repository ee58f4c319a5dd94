/// A dark-to-bright colour scale whose lightness rises evenly (CIE L* nearly linear in the value),
/// through indigo, magenta, red and orange to a pale yellow, like matplotlib's "inferno": heat
/// reads as heat in grey-scale print and for colour-blind viewers, and equal steps of value look
/// like equal steps. The control points were chosen in CIE LCh at evenly spaced lightness.
public enum HeatColormap {
    static let anchors: [(Float, Float, Float)] = [
        (9, 10, 20), (37, 29, 81), (99, 30, 121), (175, 4, 106), (226, 45, 70),
        (255, 97, 65), (255, 156, 99), (255, 204, 142), (255, 246, 221),
    ]

    /// The colour of `value` in 0...1 (clamped; NaN as 0).
    public static func color(_ value: Float) -> (UInt8, UInt8, UInt8) {
        let v = value.clampedToUnitInterval * Float(anchors.count - 1)
        let i = min(Int(v), anchors.count - 2), f = v - Float(i)
        let (a, b) = (anchors[i], anchors[i + 1])
        return (UInt8(a.0 + (b.0 - a.0) * f), UInt8(a.1 + (b.1 - a.1) * f), UInt8(a.2 + (b.2 - a.2) * f))
    }

    /// How opaque heat of `value` is drawn over a picture: fully clear at the bottom of the
    /// scale, so where nothing stands out the picture itself shows, rising faster than linearly
    /// to mostly opaque at the top, so only what stands out covers the picture.
    public static func opacity(_ value: Float) -> Float {
        let v = value.clampedToUnitInterval
        return 0.85 * v * v.squareRoot()
    }
}
