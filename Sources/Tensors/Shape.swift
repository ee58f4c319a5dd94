/// Shape arithmetic shared by the ops: element counts, row-major strides, numpy broadcasting.
enum Shape {
    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// numpy broadcasting: align trailing axes; a size-1 axis stretches to the other size.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = Swift.max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        return (0..<rank).map { axis in
            precondition(pa[axis] == pb[axis] || pa[axis] == 1 || pb[axis] == 1,
                         "shapes \(a) and \(b) do not broadcast")
            return pa[axis] == 1 ? pb[axis] : pa[axis]
        }
    }

    /// Strides that read `shape` as if broadcast to `target` (zero stride on stretched axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
        let natural = strides(padded)
        return (0..<target.count).map { padded[$0] == 1 && target[$0] != 1 ? 0 : natural[$0] }
    }

    /// Resolves a possibly negative axis against a rank.
    static func axis(_ axis: Int, rank: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "axis \(axis) out of range for rank \(rank)")
        return resolved
    }
}
