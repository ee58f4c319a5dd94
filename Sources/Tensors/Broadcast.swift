/// Broadcasting and its adjoint. Binary ops broadcast their inputs implicitly; their derivatives
/// reduce the gradient back to each input's shape with `sum(toShape:)`. The two ops are each
/// other's derivative, which is what keeps higher orders exact.
extension Tensor {
    /// Materializes numpy broadcasting to `target`.
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Shape.broadcast(shape, target) == target, "cannot broadcast \(shape) to \(target)")
        let result = gathered(shape: target, strides: Shape.broadcastStrides(shape, to: target))
        let source = shape
        return Tensor.record(result, [self]) { [{ g, _ in g.sum(toShape: source) }] }
    }

    /// Sums away the axes that broadcasting to this tensor's shape would have stretched.
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let padded = [Int](repeating: 1, count: rank - target.count) + target
        let axes = (0..<rank).filter { padded[$0] == 1 && shape[$0] != 1 }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }
}
