/// Root-mean-square normalization over the last axis, x / √(mean(x²) + ε) · weight.
///
/// Split into two fused kernels, `inverseRMS` (one reduction) and `rmsNormalized`, so the
/// backward of each is short and written in ops: with n = x·r and r = 1/√(mean(x²)+ε),
/// ∂n/∂x · g = r·(g − n·mean(g⊙n)) and ∂r/∂x · g = −g·r³·x / D.
public func rmsNorm(_ x: Tensor, weight: Tensor?, eps: Float = 1e-5) -> Tensor {
    let normalized = rmsNormalized(x, eps: eps)
    return weight.map { normalized * $0 } ?? normalized
}

/// x · r with r = 1/√(mean(x²) + ε) per row of the last axis.
func rmsNormalized(_ x: Tensor, eps: Float) -> Tensor {
    let result = Tensor.uninitialized(x.shape)
    let src = x.storage.pointer, dst = result.storage.pointer
    Kernels.eachLastAxisRow(x.shape) { row, length in
        let input = src + row * length
        let scale = Vector(repeating: 1 / (squaredSum(input, length) / Float(length) + eps).squareRoot())
        Kernels.map(input, dst + row * length, 0..<length) { $0 * scale }
    }
    return Tensor.record(result, [x]) {
        [{ g, n in
            let r = inverseRMS(x, eps: eps)
            return r * (g - n * (g * n).mean(axis: -1, keepDims: true))
        }]
    }
}

/// 1/√(mean(x²) + ε) over the last axis, kept as a size-1 axis.
func inverseRMS(_ x: Tensor, eps: Float) -> Tensor {
    let length = x.shape.last!
    let result = Tensor.uninitialized(Array(x.shape.dropLast()) + [1])
    let src = x.storage.pointer, dst = result.storage.pointer
    Kernels.eachLastAxisRow(x.shape) { row, length in
        dst[row] = 1 / (squaredSum(src + row * length, length) / Float(length) + eps).squareRoot()
    }
    return Tensor.record(result, [x]) { [{ g, r in g * (r * r * r) * x * (-1 / Float(length)) }] }
}

@inline(__always)
private func squaredSum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
    var accumulator = Vector(repeating: 0)
    var i = 0
    while i + 8 <= count {
        let v = Kernels.load(p + i)
        accumulator += v * v
        i += 8
    }
    if i < count {
        let v = Kernels.loadPartial(p + i, count - i)
        accumulator += v * v
    }
    return accumulator.sum()
}
