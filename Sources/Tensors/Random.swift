import Foundation

/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64) so that
/// initializations and synthetic data are identical across runs and machines.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The generator's whole state, so a checkpoint can continue the same stream.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// A generator that continues from `stateWords`; nil unless there are four words, not all zero.
    public init?(stateWords words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits, the precision of a Float mantissa.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// A standard normal sample (Box–Muller in Double, so the tails are right).
    public mutating func nextNormal() -> Float {
        let u1 = Double((next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

extension Tensor {
    /// Normal samples with mean 0 and the given standard deviation.
    public static func randn<G: RandomNumberGenerator>(_ shape: [Int], std: Float = 1, using generator: inout G) -> Tensor {
        var seeded = SeededGenerator(seed: generator.next())
        let result = uninitialized(shape)
        for i in 0..<result.count { result.storage.pointer[i] = std * seeded.nextNormal() }
        return result
    }

    /// Uniform samples in [low, high).
    public static func uniform<G: RandomNumberGenerator>(_ shape: [Int], low: Float = 0, high: Float = 1, using generator: inout G) -> Tensor {
        var seeded = SeededGenerator(seed: generator.next())
        let result = uninitialized(shape)
        for i in 0..<result.count { result.storage.pointer[i] = low + (high - low) * seeded.nextUnitFloat() }
        return result
    }
}
