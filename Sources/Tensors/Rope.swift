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
    var cosines = [Float](repeating: 0, count: seq * half)
    var sines = [Float](repeating: 0, count: seq * half)
    for s in 0..<seq {
        for j in 0..<half {
            let angle = Double(positions[s]) * Foundation.pow(Double(base), -2 * Double(j) / Double(dim))
            cosines[s * half + j] = Float(Foundation.cos(angle))
            sines[s * half + j] = Float(inverse ? -Foundation.sin(angle) : Foundation.sin(angle))
        }
    }
    let result = Tensor.uninitialized(x.shape)
    let src = x.storage.pointer, dst = result.storage.pointer
    let outer = x.count / (seq * heads * dim)
    cosines.withUnsafeBufferPointer { cosBuffer in
        sines.withUnsafeBufferPointer { sinBuffer in
            let cp = cosBuffer.baseAddress!, sp = sinBuffer.baseAddress!
            Kernels.split(outer * seq, work: x.count) { range in
                for row in range {
                    let s = row % seq
                    let c = cp + s * half, sn = sp + s * half
                    for h in 0..<heads {
                        let input = src + (row * heads + h) * dim, output = dst + (row * heads + h) * dim
                        for j in 0..<half {
                            let x1 = input[j], x2 = input[j + half]
                            output[j] = x1 * c[j] - x2 * sn[j]
                            output[j + half] = x1 * sn[j] + x2 * c[j]
                        }
                    }
                }
            }
        }
    }
    return Tensor.record(result, [x]) { [{ g, _ in rope(g, positions: positions, base: base, inverse: !inverse) }] }
}
