/// Embedding lookup: rows of a [vocabulary, width] table gathered by index. Its derivative
/// scatters (adds) the gradient rows back into a zero table; gather and scatter-add are each
/// other's derivative.
public func embedding(_ table: Tensor, indices: [Int], shape: [Int]? = nil) -> Tensor {
    precondition(table.rank == 2, "embedding table must be [vocabulary, width], got \(table.shape)")
    let outerShape = shape ?? [indices.count]
    precondition(Shape.count(outerShape) == indices.count, "index shape \(outerShape) for \(indices.count) indices")
    let width = table.shape[1], rows = table.shape[0]
    let result = Tensor.uninitialized(outerShape + [width])
    let src = table.storage.pointer, dst = result.storage.pointer
    for (i, index) in indices.enumerated() {
        precondition(index >= 0 && index < rows, "index \(index) outside a table of \(rows) rows")
        (dst + i * width).update(from: src + index * width, count: width)
    }
    return Tensor.record(result, [table]) {
        [{ g, _ in scatterAdd(g.reshaped([indices.count, width]), indices: indices, rows: rows) }]
    }
}

/// A [rows, width] table of zeros with `values` row i added at row indices[i].
func scatterAdd(_ values: Tensor, indices: [Int], rows: Int) -> Tensor {
    let width = values.shape[1]
    let result = Tensor.zeros([rows, width])
    let src = values.storage.pointer, dst = result.storage.pointer
    for (i, index) in indices.enumerated() {
        Kernels.zip(dst + index * width, 1, src + i * width, 1, dst + index * width, width, +)
    }
    return Tensor.record(result, [values]) { [{ g, _ in embedding(g, indices: indices) }] }
}
