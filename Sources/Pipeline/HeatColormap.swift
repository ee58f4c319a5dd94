/// A perceptually ordered dark-to-bright colour scale (anchor colours of matplotlib's "inferno"),
/// so heat reads as heat in grey-scale print and for colour-blind viewers.
public enum HeatColormap {
    static let anchors: [(Float, Float, Float)] = [(0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164)]

    /// The colour of `value` in 0...1 (clamped).
    public static func color(_ value: Float) -> (UInt8, UInt8, UInt8) {
        let v = value.clampedToUnitInterval * Float(anchors.count - 1)
        let i = min(Int(v), anchors.count - 2), f = v - Float(i)
        let (a, b) = (anchors[i], anchors[i + 1])
        return (UInt8(a.0 + (b.0 - a.0) * f), UInt8(a.1 + (b.1 - a.1) * f), UInt8(a.2 + (b.2 - a.2) * f))
    }

    /// How opaque heat of `value` is drawn over a picture: faint at the bottom of the scale, so
    /// calm regions show the picture itself, and half opaque at the top.
    public static func opacity(_ value: Float) -> Float { 0.1 + 0.4 * value.clampedToUnitInterval }
}
