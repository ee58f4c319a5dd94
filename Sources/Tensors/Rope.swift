import Foundation

/// Rotary position embedding.
///
/// Layout: `x` is [..., seq, heads, headDim] (the natural layout after a linear projection is
/// reshaped into heads) and `positions` gives one position per sequence element, so two streams
/// can sit at any positions (the EBT's candidate ŷ_{i+1} at i+1, its observed frame x_i at i).
/// Convention "rotate half": dimension j pairs with j + headDim/2 and turns by the angle
/// position · base^(−2j/headDim). Rotation is linear and orthogonal, so its derivative is the
/// inverse rotation of the gradient, itself a `rope` call, and every order is exact.
public func rope(_ x: Tensor, positions: [Int], base: Float = 10_000, inverse: Bool = false) -> Tensor {
    precondition(x.rank >= 3, "rope needs [..., seq, heads, headDim], got \(x.shape)")
    let seq = x.shape[x.rank - 3], heads = x.shape[x.rank - 2], dim = x.shape[x.rank - 1]
    precondition(positions.count == seq, "\(positions.count) positions for a sequence of \(seq)")
    precondition(dim % 2 == 0, "rope needs an even head dimension, got \(dim)")
    let half = dim / 2
    let table = RotationTable.cached(positions: positions, dim: dim, base: base)
    let result = Tensor.uninitialized(x.shape)
    let src = x.storage.pointer, dst = result.storage.pointer
    let outer = x.count / (seq * heads * dim)
    let sign: Float = inverse ? -1 : 1
    table.cosines.withUnsafeBufferPointer { cosBuffer in
        table.sines.withUnsafeBufferPointer { sinBuffer in
            let cp = cosBuffer.baseAddress!, sp = sinBuffer.baseAddress!
            Kernels.split(outer * seq, work: x.count) { range in
                for row in range {
                    let s = row % seq
                    let c = cp + s * half, sn = sp + s * half
                    for h in 0..<heads {
                        let input = src + (row * heads + h) * dim, output = dst + (row * heads + h) * dim
                        for j in 0..<half {
                            let x1 = input[j], x2 = input[j + half]
                            let sj = sign * sn[j]
                            output[j] = x1 * c[j] - x2 * sj
                            output[j + half] = x1 * sj + x2 * c[j]
                        }
                    }
                }
            }
        }
    }
    return Tensor.record(result, [x]) { [{ g, _ in rope(g, positions: positions, base: base, inverse: !inverse) }] }
}

/// cos and sin of every (position, frequency) pair. A model calls rope with the same positions
/// for every layer, query and key, forward and backward, so the last few tables are kept.
final class RotationTable {
    let cosines: [Float]
    let sines: [Float]

    private init(positions: [Int], dim: Int, base: Float) {
        let half = dim / 2
        var cosines = [Float](repeating: 0, count: positions.count * half)
        var sines = [Float](repeating: 0, count: positions.count * half)
        for (s, position) in positions.enumerated() {
            for j in 0..<half {
                let angle = Double(position) * Foundation.pow(Double(base), -2 * Double(j) / Double(dim))
                cosines[s * half + j] = Float(Foundation.cos(angle))
                sines[s * half + j] = Float(Foundation.sin(angle))
            }
        }
        self.cosines = cosines
        self.sines = sines
    }

    private struct Key: Hashable {
        let positions: [Int]
        let dim: Int
        let base: Float
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var recent: [(key: Key, table: RotationTable)] = []

    static func cached(positions: [Int], dim: Int, base: Float) -> RotationTable {
        let key = Key(positions: positions, dim: dim, base: base)
        if let hit = lock.withLock({ recent.first { $0.key == key }?.table }) { return hit }
        let table = RotationTable(positions: positions, dim: dim, base: base)
        lock.withLock {
            recent.insert((key, table), at: 0)
            if recent.count > 8 { recent.removeLast() }
        }
        return table
    }
}
