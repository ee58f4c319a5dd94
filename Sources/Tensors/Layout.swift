/// Shape-only views (reshape, expand, squeeze) share storage; permutations copy once into the
/// new order. Each derivative is the inverse rearrangement of the gradient.
extension Tensor {
    /// The same elements under a new shape; one axis may be -1 to be inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            resolved[inferred] = known == 0 ? 0 : count / known
        }
        precondition(Shape.count(resolved) == count, "cannot reshape \(shape) to \(newShape)")
        if resolved == shape { return self }
        let source = shape
        return Tensor.record(Tensor(storage: storage, shape: resolved), [self]) { [{ g, _ in g.reshaped(source) }] }
    }

    /// Inserts a size-1 axis.
    public func expandedDimensions(axis: Int) -> Tensor {
        var newShape = shape
        newShape.insert(1, at: Shape.axis(axis, rank: rank + 1))
        return reshaped(newShape)
    }

    /// Removes a size-1 axis.
    public func squeezed(axis: Int) -> Tensor {
        let resolved = Shape.axis(axis, rank: rank)
        precondition(shape[resolved] == 1, "squeezing axis \(axis) of size \(shape[resolved])")
        var newShape = shape
        newShape.remove(at: resolved)
        return reshaped(newShape)
    }

    /// Reorders axes: result axis i is input axis `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        let order = axes.map { Shape.axis($0, rank: rank) }
        precondition(Set(order).count == rank && order.count == rank, "bad permutation \(axes) for rank \(rank)")
        if order == Array(0..<rank) { return self }
        let newShape = order.map { shape[$0] }
        // Moving only size-1 axes leaves the elements in the same order: a reshape, no copy.
        // Attention over a single candidate (every thinking step at inference) is all such moves.
        let moving = order.filter { shape[$0] != 1 }
        if moving == moving.sorted() { return reshaped(newShape) }
        let inputStrides = Shape.strides(shape)
        let result = gathered(shape: newShape, strides: order.map { inputStrides[$0] })
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in order.enumerated() { inverse[axis] = position }
        return Tensor.record(result, [self]) { [{ g, _ in g.permuted(inverse) }] }
    }

    /// A contiguous copy of the elements read with `strides` over `shape` (no history): a
    /// permutation when the strides are permuted, a broadcast when some are zero.
    func gathered(shape newShape: [Int], strides inputStrides: [Int]) -> Tensor {
        let result = Tensor.uninitialized(newShape)
        let strides = [Shape.strides(newShape), inputStrides]
        let inner = Kernels.innerStrides(shape: newShape, strides: strides)[1]
        let src = storage.pointer, dst = result.storage.pointer
        Kernels.forEachRow(shape: newShape, strides: strides) { offsets, count in
            let from = src + offsets[1], to = dst + offsets[0]
            switch inner {
            case 1: to.update(from: from, count: count)
            case 0: to.update(repeating: from[0], count: count)
            default: for i in 0..<count { to[i] = from[i * inner] }
            }
        }
        return result
    }

    /// Swaps two axes (the last two by default).
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(Shape.axis(first, rank: rank), Shape.axis(second, rank: rank))
        return permuted(order)
    }
}
