import Foundation

/// The low-level loops every op is built from: SIMD8 over contiguous buffers, split over the two
/// cores when a job is large enough to repay the thread hand-off.
typealias Vector = SIMD8<Float>

enum Kernels {
    /// Below this many elements a second thread costs more than it saves.
    static let parallelThreshold = 32_768
    /// Set inside `dataParallel`, whose jobs already fill the cores. Written only outside them.
    nonisolated(unsafe) static var serial = false

    /// Calls `body` on [0, count), or on two halves concurrently when `work` is large.
    @inline(__always)
    static func split(_ count: Int, work: Int? = nil, _ body: (Range<Int>) -> Void) {
        if serial || (work ?? count) <= parallelThreshold || count < 2 {
            body(0..<count)
            return
        }
        let half = count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            body(part == 0 ? 0..<half : half..<count)
        }
    }

    /// Calls `body(row, length)` for every row along the last axis of `shape`, split over the cores.
    @inline(__always)
    static func eachLastAxisRow(_ shape: [Int], _ body: (_ row: Int, _ length: Int) -> Void) {
        let length = shape.last ?? 1
        let count = Shape.count(shape)
        split(count / Swift.max(length, 1), work: count) { range in
            for row in range { body(row, length) }
        }
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }

    /// Loads up to 8 elements, padding with `fill` so tails go through the same vector code.
    @inline(__always)
    static func loadPartial(_ pointer: UnsafePointer<Float>, _ count: Int, fill: Float = 0) -> Vector {
        var value = Vector(repeating: fill)
        for lane in 0..<count { value[lane] = pointer[lane] }
        return value
    }

    @inline(__always)
    static func storePartial(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
        for lane in 0..<count { pointer[lane] = value[lane] }
    }

    /// dst[i] = f(src[i]) for i in range.
    @inline(__always)
    static func map(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ range: Range<Int>,
                    _ f: (Vector) -> Vector) {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            store(f(load(src + i)), dst + i)
            i += 8
        }
        if i < range.upperBound {
            let rest = range.upperBound - i
            storePartial(f(loadPartial(src + i, rest)), dst + i, rest)
        }
    }

    /// dst[i] = f(a[i * strideA], b[i * strideB]) for i in 0..<count, strides 0 or 1.
    @inline(__always)
    static func zip(_ a: UnsafePointer<Float>, _ strideA: Int, _ b: UnsafePointer<Float>, _ strideB: Int,
                    _ dst: UnsafeMutablePointer<Float>, _ count: Int, _ f: (Vector, Vector) -> Vector) {
        var i = 0
        switch (strideA, strideB) {
        case (1, 1):
            while i + 8 <= count { store(f(load(a + i), load(b + i)), dst + i); i += 8 }
            if i < count { storePartial(f(loadPartial(a + i, count - i), loadPartial(b + i, count - i)), dst + i, count - i) }
        case (1, 0):
            let splat = Vector(repeating: b[0])
            while i + 8 <= count { store(f(load(a + i), splat), dst + i); i += 8 }
            if i < count { storePartial(f(loadPartial(a + i, count - i), splat), dst + i, count - i) }
        case (0, 1):
            let splat = Vector(repeating: a[0])
            while i + 8 <= count { store(f(splat, load(b + i)), dst + i); i += 8 }
            if i < count { storePartial(f(splat, loadPartial(b + i, count - i)), dst + i, count - i) }
        default:
            let value = f(Vector(repeating: a[0]), Vector(repeating: b[0]))[0]
            for j in 0..<count { dst[j] = value }
        }
    }

    /// Visits a row-major iteration space of `shape` row by row (the last axis is the row), giving
    /// each operand's offset at the row start. Axes are merged first where every operand is
    /// contiguous across them, so broadcasting a [S, S] mask over [B, H, S, S] scores is one loop
    /// of S·S per (B·H) rows.
    static func forEachRow(shape: [Int], strides: [[Int]], _ body: (_ offsets: UnsafePointer<Int>, _ count: Int) -> Void) {
        var dims: [Int] = []
        var merged: [[Int]] = Array(repeating: [], count: strides.count)
        for axis in shape.indices where shape[axis] != 1 {
            if let last = dims.last,
               strides.indices.allSatisfy({ merged[$0].last! == strides[$0][axis] * shape[axis] }) {
                dims[dims.count - 1] = last * shape[axis]
                for operand in strides.indices { merged[operand][merged[operand].count - 1] = strides[operand][axis] }
            } else {
                dims.append(shape[axis])
                for operand in strides.indices { merged[operand].append(strides[operand][axis]) }
            }
        }
        let operands = strides.count
        guard let inner = dims.last else {
            withUnsafeTemporaryAllocation(of: Int.self, capacity: operands) { offsets in
                offsets.initialize(repeating: 0)
                body(UnsafePointer(offsets.baseAddress!), 1)
            }
            return
        }
        let outerDims = Array(dims.dropLast())
        let rows = Shape.count(outerDims)
        split(rows, work: rows * inner) { range in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: operands) { offsets in
                for row in range {
                    var rest = row
                    for operand in 0..<operands { offsets[operand] = 0 }
                    for axis in outerDims.indices.reversed() {
                        let index = rest % outerDims[axis]
                        rest /= outerDims[axis]
                        for operand in 0..<operands { offsets[operand] += index * merged[operand][axis] }
                    }
                    body(UnsafePointer(offsets.baseAddress!), inner)
                }
            }
        }
    }

    /// The stride of the innermost merged axis for each operand, as `forEachRow` sees it.
    static func innerStrides(shape: [Int], strides: [[Int]]) -> [Int] {
        guard let axis = shape.lastIndex(where: { $0 != 1 }) else { return strides.map { _ in 1 } }
        return strides.map { $0[axis] }
    }
}

/// Vectorized transcendental functions (Cephes-style polynomials, ~1 ulp) because libm's scalar
/// `expf` in a loop is the bottleneck of softmax and SiLU.
enum VectorMath {
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let clamped = VectorMath.maximum(VectorMath.minimum(x, Vector(repeating: 88.37)), Vector(repeating: -87.33))
        // Adding 1.5·2²³ rounds to an integer n and leaves n in the low mantissa bits, which
        // avoids the scalar float→int conversion the generic SIMD initializer compiles to.
        let magic = Vector(repeating: 12_582_912)
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * r * r + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        return p * unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
    }

    /// Lane-wise max and min as compare-and-blend, which always inlines (the standard library's
    /// generic `pointwiseMax` stays an out-of-line call inside these loops).
    @inline(__always)
    static func maximum(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .> a) }

    @inline(__always)
    static func minimum(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .< a) }

    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector { 1 / (1 + exp(-x)) }
}
