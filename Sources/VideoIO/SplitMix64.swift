/// SplitMix64: a tiny, fast, well-mixed generator whose output depends only on its seed, on every
/// platform and Swift version. Synthetic clips must be reproducible pixel for pixel from a seed,
/// which `SystemRandomNumberGenerator` (unseeded) cannot give.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [range.lowerBound, range.upperBound), computed from the top 53 bits
    /// only, so it does not depend on the standard library's float-sampling algorithm.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        let unit = Double(next() >> 11) / Double(1 << 53)
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }

    /// A uniform integer in `range`, by rejection-free multiply-shift (bias below 2^-32 for small ranges).
    public mutating func integer(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(((next() >> 32) * span) >> 32)
    }
}
