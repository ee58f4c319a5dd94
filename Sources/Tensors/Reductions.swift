/// Sum, mean and max over axes. A reduction over one axis sees the tensor as
/// [outer, length, inner] and either sums contiguous rows (inner = 1) or accumulates whole
/// inner blocks with SIMD; several axes are reduced one after another.
extension Tensor {
    /// Sum of all elements, shape [].
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let resolved = Set(axes.map { Shape.axis($0, rank: rank) }).sorted()
        var kept = shape
        for axis in resolved { kept[axis] = 1 }
        let finalShape = keepDims ? kept : shape.enumerated().filter { !resolved.contains($0.offset) }.map(\.element)
        var value = self.detached()
        for axis in resolved.reversed() where shape[axis] != 1 { value = value.reduced(axis: axis, initial: 0, +) }
        let source = shape
        let result = Tensor(storage: value.storage, shape: finalShape)
        return Tensor.record(result, [self]) { [{ g, _ in g.reshaped(kept).broadcast(to: source) }] }
    }

    public func mean() -> Tensor { mean(axes: Array(0..<rank)) }

    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let length = Set(axes.map { Shape.axis($0, rank: rank) }).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(length))
    }

    /// Maximum over one axis. The gradient goes to every position equal to the maximum (ties
    /// share it in full, as the subgradient of a tie is not unique anyway).
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let resolved = Shape.axis(axis, rank: rank)
        var kept = shape
        kept[resolved] = 1
        let value = detached().reduced(axis: resolved, initial: -.infinity) { VectorMath.maximum($0, $1) }
        var finalShape = shape
        if keepDims { finalShape[resolved] = 1 } else { finalShape.remove(at: resolved) }
        let result = Tensor(storage: value.storage, shape: finalShape)
        let input = self
        return Tensor.record(result, [self]) {
            [{ g, y in g.reshaped(kept) * equal(input.detached(), y.detached().reshaped(kept)) }]
        }
    }

    /// Combines the elements along `axis` with `f` (no history), keeping the axis with size 1.
    @inline(__always)
    func reduced(axis: Int, initial: Float, _ f: (Vector, Vector) -> Vector) -> Tensor {
        let length = shape[axis]
        let inner = Shape.count(Array(shape[(axis + 1)...]))
        let outer = Shape.count(Array(shape[..<axis]))
        var kept = shape
        kept[axis] = 1
        let result = Tensor.uninitialized(kept)
        let src = storage.pointer, dst = result.storage.pointer
        Kernels.split(outer, work: count) { range in
            for o in range {
                let base = src + o * length * inner
                if inner == 1 {
                    var accumulator = Vector(repeating: initial)
                    var i = 0
                    while i + 8 <= length { accumulator = f(accumulator, Kernels.load(base + i)); i += 8 }
                    if i < length { accumulator = f(accumulator, Kernels.loadPartial(base + i, length - i, fill: initial)) }
                    var total = accumulator[0]
                    for lane in 1..<8 { total = f(Vector(repeating: total), Vector(repeating: accumulator[lane]))[0] }
                    dst[o] = total
                } else {
                    let out = dst + o * inner
                    out.update(from: base, count: inner)
                    for l in 1..<length {
                        Kernels.zip(out, 1, base + l * inner, 1, out, inner, f)
                    }
                }
            }
        }
        return result
    }
}
