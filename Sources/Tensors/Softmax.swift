/// Numerically stable softmax as one fused kernel per row (max, exp, normalize), with a fused
/// backward `y ⊙ (g − Σ g⊙y)` whose own derivatives are again written in ops.
public func softmax(_ x: Tensor, axis: Int = -1) -> Tensor {
    let axis = Shape.axis(axis, rank: x.rank)
    if axis != x.rank - 1 { return softmax(x.transposed(axis, -1)).transposed(axis, -1) }
    return maskedSoftmax(x, mask: nil)
}

/// softmax(x + mask) over the last axis, where the constant additive `mask` [rows, columns] is
/// broadcast over x's leading axes (attention scores [batch, heads, rows, columns]). Adding the
/// mask inside the kernel saves a full pass over the largest tensor of attention.
public func softmax(_ x: Tensor, addingMask mask: Tensor) -> Tensor {
    precondition(!mask.requiresGradient, "the attention mask is a constant")
    precondition(mask.rank == 2 && x.rank >= 2 && Array(x.shape.suffix(2)) == mask.shape,
                 "mask \(mask.shape) for scores \(x.shape)")
    return maskedSoftmax(x, mask: mask)
}

private func maskedSoftmax(_ x: Tensor, mask: Tensor?) -> Tensor {
    let result = Tensor.uninitialized(x.shape)
    let src = x.storage.pointer, dst = result.storage.pointer
    let maskPointer = mask?.storage.pointer
    let maskRows = mask?.shape[0] ?? 1
    Kernels.eachLastAxisRow(x.shape) { row, length in
        let input = src + row * length, output = dst + row * length
        if let maskPointer {
            let maskRow = maskPointer + (row % maskRows) * length
            Kernels.zip(input, 1, maskRow, 1, output, length, +)
        } else {
            output.update(from: input, count: length)
        }
        var peak = -Float.infinity
        for i in 0..<length { peak = Swift.max(peak, output[i]) }
        let shift = Vector(repeating: peak)
        var total = Vector(repeating: 0)
        var i = 0
        while i + 8 <= length {
            let e = VectorMath.exp(Kernels.load(output + i) - shift)
            Kernels.store(e, output + i)
            total += e
            i += 8
        }
        if i < length {
            let e = VectorMath.exp(Kernels.loadPartial(output + i, length - i, fill: -.infinity) - shift)
                .replacing(with: 0, where: Vector(repeating: Float(length - i)) .<= Vector(0, 1, 2, 3, 4, 5, 6, 7))
            Kernels.storePartial(e, output + i, length - i)
            total += e
        }
        let scale = Vector(repeating: 1 / total.sum())
        Kernels.map(output, output, 0..<length) { $0 * scale }
    }
    return Tensor.record(result, [x]) { [{ g, y in softmaxBackward(g, y) }] }
}

/// log(softmax(x)) without forming the softmax's small probabilities' logarithms.
public func logSoftmax(_ x: Tensor, axis: Int = -1) -> Tensor {
    let shifted = x - x.max(axis: axis, keepDims: true).detached()
    return shifted - log(exp(shifted).sum(axis: axis, keepDims: true))
}

/// h = y ⊙ (g − Σ g⊙y) along the last axis, the vector–Jacobian product of softmax.
/// Its derivative in g is the same product (the Jacobian is symmetric); in y it is
/// u ⊙ (g − Σ g⊙y) − g ⊙ Σ u⊙y.
func softmaxBackward(_ g: Tensor, _ y: Tensor) -> Tensor {
    let result = Tensor.uninitialized(y.shape)
    let pg = g.storage.pointer, py = y.storage.pointer, dst = result.storage.pointer
    Kernels.eachLastAxisRow(y.shape) { row, length in
        let gr = pg + row * length, yr = py + row * length, out = dst + row * length
        var dot: Float = 0
        for i in 0..<length { dot += gr[i] * yr[i] }
        let shift = Vector(repeating: dot)
        Kernels.zip(yr, 1, gr, 1, out, length) { y, g in y * (g - shift) }
    }
    return Tensor.record(result, [g, y]) {
        [{ u, _ in softmaxBackward(u, y) },
         { u, _ in u * (g - (g * y).sum(axis: -1, keepDims: true)) - g * (u * y).sum(axis: -1, keepDims: true) }]
    }
}
