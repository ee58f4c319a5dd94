import Foundation

/// Elementwise ops. Each forward is one SIMD kernel; each derivative, right below it, is written in
/// differentiable tensor ops so the gradient can be differentiated again.

extension Tensor {
    /// A new tensor with f applied to every element (no history).
    @inline(__always)
    func mapped(_ f: (Vector) -> Vector) -> Tensor {
        let result = Tensor.uninitialized(shape)
        let src = storage.pointer, dst = result.storage.pointer
        Kernels.split(count) { Kernels.map(src, dst, $0, f) }
        return result
    }

    /// A new tensor holding f(a, b) with numpy broadcasting (no history).
    @inline(__always)
    static func zipped(_ a: Tensor, _ b: Tensor, _ f: (Vector, Vector) -> Vector) -> Tensor {
        if a.shape == b.shape {
            let result = uninitialized(a.shape)
            let pa = a.storage.pointer, pb = b.storage.pointer, dst = result.storage.pointer
            Kernels.split(a.count) { range in
                Kernels.zip(pa + range.lowerBound, 1, pb + range.lowerBound, 1, dst + range.lowerBound, range.count, f)
            }
            return result
        }
        let shape = Shape.broadcast(a.shape, b.shape)
        let result = uninitialized(shape)
        let strides = [Shape.strides(shape), Shape.broadcastStrides(a.shape, to: shape), Shape.broadcastStrides(b.shape, to: shape)]
        let inner = Kernels.innerStrides(shape: shape, strides: strides)
        let pa = a.storage.pointer, pb = b.storage.pointer, dst = result.storage.pointer
        Kernels.forEachRow(shape: shape, strides: strides) { offsets, count in
            Kernels.zip(pa + offsets[1], inner[1], pb + offsets[2], inner[2], dst + offsets[0], count, f)
        }
        return result
    }
}

extension Tensor {
    /// self ← a·self + b·other in one pass, in place (no history): how the gradients of a
    /// data-parallel step's shards are combined without a fresh buffer per term.
    public mutating func scaleAndAdd(_ a: Float, _ other: Tensor, scaledBy b: Float) {
        precondition(shape == other.shape, "scaleAndAdd of \(other.shape) into \(shape)")
        let source = other.storage.pointer
        let (va, vb) = (Vector(repeating: a), Vector(repeating: b))
        withUnsafeMutableBufferPointer { target in
            let dst = target.baseAddress!
            Kernels.split(target.count) { range in
                Kernels.zip(dst + range.lowerBound, 1, source + range.lowerBound, 1, dst + range.lowerBound, range.count) { va * $0 + vb * $1 }
            }
        }
    }
}

// MARK: - Arithmetic with broadcasting

public func + (a: Tensor, b: Tensor) -> Tensor {
    Tensor.record(Tensor.zipped(a, b, +), [a, b]) {
        [{ g, _ in g.sum(toShape: a.shape) }, { g, _ in g.sum(toShape: b.shape) }]
    }
}

public func - (a: Tensor, b: Tensor) -> Tensor {
    Tensor.record(Tensor.zipped(a, b, -), [a, b]) {
        [{ g, _ in g.sum(toShape: a.shape) }, { g, _ in (-g).sum(toShape: b.shape) }]
    }
}

public func * (a: Tensor, b: Tensor) -> Tensor {
    Tensor.record(Tensor.zipped(a, b, *), [a, b]) {
        [{ g, _ in (g * b).sum(toShape: a.shape) }, { g, _ in (g * a).sum(toShape: b.shape) }]
    }
}

public func / (a: Tensor, b: Tensor) -> Tensor {
    Tensor.record(Tensor.zipped(a, b, /), [a, b]) {
        [{ g, _ in (g / b).sum(toShape: a.shape) },
         { g, y in (-(g * y) / b).sum(toShape: b.shape) }]
    }
}

public prefix func - (x: Tensor) -> Tensor {
    Tensor.record(x.mapped { -$0 }, [x]) { [{ g, _ in -g }] }
}

// MARK: - Arithmetic with a scalar (the scalar is a constant)

public func + (x: Tensor, c: Float) -> Tensor {
    Tensor.record(x.mapped { $0 + c }, [x]) { [{ g, _ in g }] }
}
public func + (c: Float, x: Tensor) -> Tensor { x + c }
public func - (x: Tensor, c: Float) -> Tensor { x + (-c) }
public func - (c: Float, x: Tensor) -> Tensor {
    Tensor.record(x.mapped { c - $0 }, [x]) { [{ g, _ in -g }] }
}
public func * (x: Tensor, c: Float) -> Tensor {
    Tensor.record(x.mapped { $0 * c }, [x]) { [{ g, _ in g * c }] }
}
public func * (c: Float, x: Tensor) -> Tensor { x * c }
public func / (x: Tensor, c: Float) -> Tensor { x * (1 / c) }
public func / (c: Float, x: Tensor) -> Tensor {
    Tensor.record(x.mapped { c / $0 }, [x]) { [{ g, y in -(g * y) / x }] }
}

// MARK: - Unary functions

public func exp(_ x: Tensor) -> Tensor {
    Tensor.record(x.mapped(VectorMath.exp), [x]) { [{ g, y in g * y }] }
}

public func log(_ x: Tensor) -> Tensor {
    let result = Tensor.uninitialized(x.shape)
    let src = x.storage.pointer, dst = result.storage.pointer
    Kernels.split(x.count) { range in for i in range { dst[i] = Foundation.log(src[i]) } }
    return Tensor.record(result, [x]) { [{ g, _ in g / x }] }
}

public func sqrt(_ x: Tensor) -> Tensor {
    Tensor.record(x.mapped { $0.squareRoot() }, [x]) { [{ g, y in g / (y * 2) }] }
}

/// 1/√x, the RMSNorm scale; d/dx = -½ x^(-3/2) = -½ y³.
public func rsqrt(_ x: Tensor) -> Tensor {
    Tensor.record(x.mapped { 1 / $0.squareRoot() }, [x]) { [{ g, y in g * (y * y * y) * -0.5 }] }
}

public func square(_ x: Tensor) -> Tensor {
    Tensor.record(x.mapped { $0 * $0 }, [x]) { [{ g, _ in g * x * 2 }] }
}

/// x^p for a constant exponent; integer exponents of negative bases are exact, others need x > 0.
public func pow(_ x: Tensor, _ p: Float) -> Tensor {
    if p == 1 { return x }
    if p == 2 { return square(x) }
    let result = Tensor.uninitialized(x.shape)
    let src = x.storage.pointer, dst = result.storage.pointer
    Kernels.split(x.count) { range in for i in range { dst[i] = Foundation.pow(src[i], p) } }
    return Tensor.record(result, [x]) { [{ g, _ in g * pow(x, p - 1) * p }] }
}

/// |x|; its derivative uses sign(x), a constant, so |x| has a zero second derivative (away from 0).
public func abs(_ x: Tensor) -> Tensor {
    Tensor.record(x.mapped { VectorMath.maximum($0, -$0) }, [x]) { [{ g, _ in g * sign(x) }] }
}

/// -1, 0 or +1 per element; piecewise constant, so it carries no history.
public func sign(_ x: Tensor) -> Tensor {
    x.mapped { v in
        Vector(repeating: 0).replacing(with: 1, where: v .> 0).replacing(with: -1, where: v .< 0)
    }
}

public func sigmoid(_ x: Tensor) -> Tensor {
    Tensor.record(x.mapped(VectorMath.sigmoid), [x]) { [{ g, y in g * (y - y * y) }] }
}

/// SiLU (swish) x·σ(x), the SwiGLU gate.
public func silu(_ x: Tensor) -> Tensor {
    Tensor.record(x.mapped { $0 * VectorMath.sigmoid($0) }, [x]) { [{ g, _ in g * siluDerivative(x) }] }
}

/// d silu/dx = σ(x)·(1 + x·(1 − σ(x))), fused so SiLU's backward is two kernels, not six; its own
/// derivative σ(1−σ)(2 + x(1−2σ)) is spelled out in ops so higher orders stay exact.
func siluDerivative(_ x: Tensor) -> Tensor {
    let forward = x.mapped { v in
        let s = VectorMath.sigmoid(v)
        return s * (1 + v * (1 - s))
    }
    return Tensor.record(forward, [x]) {
        [{ g, _ in
            let s = sigmoid(x)
            return g * (s - s * s) * (2 + x * (1 - s * 2))
        }]
    }
}

public func tanh(_ x: Tensor) -> Tensor {
    let result = Tensor.uninitialized(x.shape)
    let src = x.storage.pointer, dst = result.storage.pointer
    Kernels.split(x.count) { range in for i in range { dst[i] = Foundation.tanh(src[i]) } }
    return Tensor.record(result, [x]) { [{ g, y in g * (1 - y * y) }] }
}

public func relu(_ x: Tensor) -> Tensor {
    Tensor.record(x.mapped { VectorMath.maximum($0, Vector(repeating: 0)) }, [x]) { [{ g, _ in g * greater(x, 0) }] }
}

/// Limits every element to [low, high]; the gradient passes only where the input was inside.
public func clamp(_ x: Tensor, min low: Float = -.infinity, max high: Float = .infinity) -> Tensor {
    let forward = x.mapped { VectorMath.minimum(VectorMath.maximum($0, Vector(repeating: low)), Vector(repeating: high)) }
    return Tensor.record(forward, [x]) {
        [{ g, _ in
            let inside = x.mapped { v in Vector(repeating: 0).replacing(with: 1, where: (v .>= low) .& (v .<= high)) }
            return g * inside
        }]
    }
}

// MARK: - Comparisons and selection (masks are constants: 1 where true, 0 where false)

public func greater(_ a: Tensor, _ b: Tensor) -> Tensor {
    Tensor.zipped(a, b) { Vector(repeating: 0).replacing(with: 1, where: $0 .> $1) }
}
public func greater(_ a: Tensor, _ c: Float) -> Tensor {
    a.mapped { Vector(repeating: 0).replacing(with: 1, where: $0 .> c) }
}
public func less(_ a: Tensor, _ b: Tensor) -> Tensor { greater(b, a) }
public func less(_ a: Tensor, _ c: Float) -> Tensor {
    a.mapped { Vector(repeating: 0).replacing(with: 1, where: $0 .< c) }
}
public func equal(_ a: Tensor, _ b: Tensor) -> Tensor {
    Tensor.zipped(a, b) { Vector(repeating: 0).replacing(with: 1, where: $0 .== $1) }
}

/// `a` where `mask` is nonzero, else `b`, all three broadcast together. Selecting (rather than
/// mask·a + (1−mask)·b) keeps infinities in the unselected branch from turning into NaN.
public func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let shape = Shape.broadcast(mask.shape, Shape.broadcast(a.shape, b.shape))
    let m = mask.broadcast(to: shape).detached(), fa = a.broadcast(to: shape).detached(), fb = b.broadcast(to: shape).detached()
    let result = Tensor.uninitialized(shape)
    let pm = m.storage.pointer, pa = fa.storage.pointer, pb = fb.storage.pointer, dst = result.storage.pointer
    Kernels.split(result.count) { range in for i in range { dst[i] = pm[i] != 0 ? pa[i] : pb[i] } }
    return Tensor.record(result, [a, b]) {
        let zero = Tensor.zeros([])
        return [{ g, _ in `where`(m, g, zero).sum(toShape: a.shape) },
                { g, _ in `where`(m, zero, g).sum(toShape: b.shape) }]
    }
}

public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { `where`(greater(a, b), a, b) }
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { `where`(less(a, b), a, b) }
