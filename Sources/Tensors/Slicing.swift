/// Slicing, padding, concatenation and stacking along one axis. All four see a tensor as
/// [outer, length, inner] and move contiguous blocks of length·inner elements. Slice and pad are
/// each other's derivative; concat's derivative slices the gradient back apart.
extension Tensor {
    /// The elements whose index along `axis` lies in `range`.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = Shape.axis(axis, rank: rank)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) of axis size \(shape[axis])")
        if range.count == shape[axis] { return self }
        var newShape = shape
        newShape[axis] = range.count
        let inner = Shape.count(Array(shape[(axis + 1)...]))
        let outer = Shape.count(Array(shape[..<axis]))
        let result = Tensor.uninitialized(newShape)
        let src = storage.pointer, dst = result.storage.pointer
        let block = range.count * inner, sourceBlock = shape[axis] * inner
        for o in 0..<outer {
            (dst + o * block).update(from: src + o * sourceBlock + range.lowerBound * inner, count: block)
        }
        let before = range.lowerBound, after = shape[axis] - range.upperBound
        return Tensor.record(result, [self]) { [{ g, _ in g.padded(axis: axis, before: before, after: after) }] }
    }

    /// Adds `before` and `after` zeros along `axis`.
    public func padded(axis: Int, before: Int, after: Int) -> Tensor {
        let axis = Shape.axis(axis, rank: rank)
        if before == 0 && after == 0 { return self }
        var newShape = shape
        newShape[axis] += before + after
        let inner = Shape.count(Array(shape[(axis + 1)...]))
        let outer = Shape.count(Array(shape[..<axis]))
        let result = Tensor.zeros(newShape)
        let src = storage.pointer, dst = result.storage.pointer
        let block = shape[axis] * inner, targetBlock = newShape[axis] * inner
        for o in 0..<outer {
            (dst + o * targetBlock + before * inner).update(from: src + o * block, count: block)
        }
        let range = before..<(before + shape[axis])
        return Tensor.record(result, [self]) { [{ g, _ in g.sliced(axis: axis, range) }] }
    }
}

/// Joins tensors along an existing axis; all other axes must match.
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat of nothing")
    if tensors.count == 1 { return tensors[0] }
    let first = tensors[0]
    let axis = Shape.axis(axis, rank: first.rank)
    var newShape = first.shape
    newShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
    for t in tensors {
        var expected = t.shape
        expected[axis] = newShape[axis]
        precondition(expected == newShape, "concat of \(tensors.map(\.shape)) along \(axis)")
    }
    let inner = Shape.count(Array(first.shape[(axis + 1)...]))
    let outer = Shape.count(Array(first.shape[..<axis]))
    let result = Tensor.uninitialized(newShape)
    let dst = result.storage.pointer
    let targetBlock = newShape[axis] * inner
    var offset = 0
    var ranges: [Range<Int>] = []
    for t in tensors {
        let block = t.shape[axis] * inner
        let src = t.storage.pointer
        for o in 0..<outer { (dst + o * targetBlock + offset * inner).update(from: src + o * block, count: block) }
        ranges.append(offset..<(offset + t.shape[axis]))
        offset += t.shape[axis]
    }
    return Tensor.record(result, tensors) {
        ranges.map { range in { g, _ in g.sliced(axis: axis, range) } }
    }
}

/// Joins equally shaped tensors along a new axis.
public func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "stack of nothing")
    let axis = Shape.axis(axis, rank: tensors[0].rank + 1)
    return concat(tensors.map { $0.expandedDimensions(axis: axis) }, axis: axis)
}
