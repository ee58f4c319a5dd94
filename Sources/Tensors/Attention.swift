import Foundation

/// Scaled dot-product attention as one op on tensors in stream layout, [batch, seq, heads, headSize]:
///
///     S = scale · q kᵀ + mask,   P = softmax(S),   out = P v      (per batch element and head)
///
/// Why one op: the EBT's streams are many short sequences (one per patch, a few frames long), so
/// the composed form — permuting q, k and v to [batch, heads, seq, headSize], a tiny matrix product
/// per batch element and head, a softmax, another product, a permute back — spends its time moving
/// data and calling sgemm on 1×5 matrices rather than computing. Here each (batch, head) is a loop
/// over its few keys, forward and backward, with no copies.
///
/// The derivatives outside a recorded backward pass (inference's ∇ŷE, training's weight gradients)
/// are fused loops too. Inside one (`createGraph`, thinking while training, whose gradient is
/// differentiated again) they are written in differentiable ops — products, `softmax` and its
/// backward — from the same formulas, so gradients of gradients come out exactly:
///
///     dv = Pᵀ g,   dS = softmaxBackward(g vᵀ, P),   dq = scale · dS k,   dk = scale · dSᵀ q
///
/// When the graph is known to be differentiated twice (`expectingHigherOrderGradients`), the op
/// records the composed forward instead, which then needs no recomputation in the backward pass.
///
/// `mask` is an additive constant [querySeq, keySeq] (0 = attend, −∞ = blocked), broadcast over
/// batch and heads; every query must see at least one key.
public func attention(queries q: Tensor, keys k: Tensor, values v: Tensor, mask: Tensor?, scale: Float) -> Tensor {
    precondition(q.rank == 4 && k.rank == 4 && v.rank == 4 && k.shape == v.shape, "attention needs [batch, seq, heads, size] tensors, got \(q.shape), \(k.shape), \(v.shape)")
    precondition(q.shape[0] == k.shape[0] && q.shape[2] == k.shape[2] && q.shape[3] == k.shape[3], "queries \(q.shape) against keys \(k.shape)")
    precondition(mask.map { !$0.requiresGradient && $0.shape == [q.shape[1], k.shape[1]] } ?? true, "mask \(mask?.shape ?? []) for \(q.shape[1]) queries and \(k.shape[1]) keys")
    if GradientMode.expectsHigherOrder && GradientMode.isRecording {
        return composedAttention(q, k, v, mask, scale)
    }
    let geometry = AttentionGeometry(q.shape, keyLength: k.shape[1])
    let result = Tensor.uninitialized(q.shape)
    geometry.forward(q.storage.pointer, k.storage.pointer, v.storage.pointer, mask?.storage.pointer, scale, into: result.storage.pointer)
    return Tensor.record(result, [q, k, v]) {
        // The three fused derivatives come out of one pass; the first closure to run makes them.
        let fused = FusedAttentionGradients()
        func derivative(_ input: Int) -> Derivative {
            { g, _ in
                if GradientMode.isRecording { return composedAttentionGradient(input, g, q, k, v, mask, scale) }
                return fused.gradients(g, geometry, q, k, v, mask, scale)[input]
            }
        }
        return [derivative(0), derivative(1), derivative(2)]
    }
}

/// The same attention in differentiable ops: what a graph that will be differentiated twice records.
private func composedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ mask: Tensor?, _ scale: Float) -> Tensor {
    matmul(attentionWeights(q, k, mask, scale), v.permuted([0, 2, 1, 3])).permuted([0, 2, 1, 3])
}

/// The softmax weights P [batch, heads, querySeq, keySeq] in differentiable ops.
private func attentionWeights(_ q: Tensor, _ k: Tensor, _ mask: Tensor?, _ scale: Float) -> Tensor {
    let scores = matmul(q.permuted([0, 2, 1, 3]) * scale, k.permuted([0, 2, 1, 3]), transposeB: true)
    return mask.map { softmax(scores, addingMask: $0) } ?? softmax(scores)
}

/// One input's gradient in differentiable ops (0: queries, 1: keys, 2: values), in stream layout.
private func composedAttentionGradient(_ input: Int, _ g: Tensor, _ q: Tensor, _ k: Tensor, _ v: Tensor, _ mask: Tensor?,
                                       _ scale: Float) -> Tensor {
    let p = attentionWeights(q, k, mask, scale)
    let gh = g.permuted([0, 2, 1, 3])
    if input == 2 { return matmul(p, gh, transposeA: true).permuted([0, 2, 1, 3]) }
    let ds = softmaxBackward(matmul(gh, v.permuted([0, 2, 1, 3]), transposeB: true), p) * scale
    return input == 0 ? matmul(ds, k.permuted([0, 2, 1, 3])).permuted([0, 2, 1, 3])
                      : matmul(ds, q.permuted([0, 2, 1, 3]), transposeA: true).permuted([0, 2, 1, 3])
}

/// The fused gradients of one attention call for one output gradient, made on first request.
private final class FusedAttentionGradients {
    private var made: (gradient: TensorStorage, results: [Tensor])?

    func gradients(_ g: Tensor, _ geometry: AttentionGeometry, _ q: Tensor, _ k: Tensor, _ v: Tensor, _ mask: Tensor?,
                   _ scale: Float) -> [Tensor] {
        if let made, made.gradient === g.storage { return made.results }
        let dq = Tensor.uninitialized(q.shape), dk = Tensor.uninitialized(k.shape), dv = Tensor.uninitialized(v.shape)
        geometry.backward(g.storage.pointer, q.storage.pointer, k.storage.pointer, v.storage.pointer, mask?.storage.pointer, scale,
                          dq: dq.storage.pointer, dk: dk.storage.pointer, dv: dv.storage.pointer)
        made = (g.storage, [dq, dk, dv])
        return [dq, dk, dv]
    }
}

/// Sizes and raw loops of one attention call. Batch elements are independent, so both passes
/// split over the batch.
struct AttentionGeometry {
    let batch: Int, queries: Int, keys: Int, heads: Int, size: Int

    init(_ queryShape: [Int], keyLength: Int) {
        (batch, queries, heads, size) = (queryShape[0], queryShape[1], queryShape[2], queryShape[3])
        keys = keyLength
    }

    /// Σ a[d]·b[d] over one head's `size` values.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ size: Int) -> Float {
        var total = Vector(repeating: 0), d = 0
        while d + 8 <= size {
            total += Kernels.load(a + d) * Kernels.load(b + d)
            d += 8
        }
        var rest: Float = 0
        while d < size { rest += a[d] * b[d]; d += 1 }
        return total.sum() + rest
    }

    /// y += w·x over one head's `size` values.
    @inline(__always)
    static func add(_ w: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, _ size: Int) {
        let weight = Vector(repeating: w)
        var d = 0
        while d + 8 <= size {
            Kernels.store(Kernels.load(y + d) + weight * Kernels.load(x + d), y + d)
            d += 8
        }
        while d < size { y[d] += w * x[d]; d += 1 }
    }

    /// Offset of (batch b, position i, head h) in a stream-layout tensor of `length` positions.
    @inline(__always)
    func offset(_ b: Int, _ i: Int, _ h: Int, length: Int) -> Int { ((b * length + i) * heads + h) * size }

    /// P for query i of (b, h), into `weights` (keys values).
    @inline(__always)
    func weights(_ b: Int, _ i: Int, _ h: Int, _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ mask: UnsafePointer<Float>?,
                 _ scale: Float, into weights: UnsafeMutablePointer<Float>) {
        let query = q + offset(b, i, h, length: queries)
        var peak = -Float.infinity
        for j in 0..<keys {
            let key = k + offset(b, j, h, length: keys)
            let score = Self.dot(query, key, size) * scale + (mask?[i * keys + j] ?? 0)
            weights[j] = score
            peak = Swift.max(peak, score)
        }
        var total: Float = 0
        for j in 0..<keys {
            let e = weights[j] == -.infinity ? 0 : Foundation.exp(weights[j] - peak)
            weights[j] = e
            total += e
        }
        for j in 0..<keys { weights[j] /= total }
    }

    func forward(_ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ mask: UnsafePointer<Float>?,
                 _ scale: Float, into out: UnsafeMutablePointer<Float>) {
        Kernels.split(batch, work: batch * queries * heads * keys * size * 2) { range in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: keys)
            defer { p.deallocate() }
            for b in range {
                for h in 0..<heads {
                    for i in 0..<queries {
                        weights(b, i, h, q, k, mask, scale, into: p)
                        let o = out + offset(b, i, h, length: queries)
                        o.update(repeating: 0, count: size)
                        for j in 0..<keys where p[j] != 0 { Self.add(p[j], v + offset(b, j, h, length: keys), to: o, size) }
                    }
                }
            }
        }
    }

    func backward(_ g: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                  _ mask: UnsafePointer<Float>?, _ scale: Float,
                  dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>) {
        Kernels.split(batch, work: batch * queries * heads * keys * size * 4) { range in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: keys), ds = UnsafeMutablePointer<Float>.allocate(capacity: keys)
            defer { p.deallocate(); ds.deallocate() }
            for b in range {
                (dk + offset(b, 0, 0, length: keys)).update(repeating: 0, count: keys * heads * size)
                (dv + offset(b, 0, 0, length: keys)).update(repeating: 0, count: keys * heads * size)
                for h in 0..<heads {
                    for i in 0..<queries {
                        weights(b, i, h, q, k, mask, scale, into: p)
                        let gi = g + offset(b, i, h, length: queries), qi = q + offset(b, i, h, length: queries)
                        // dP_j = g·v_j, then dS = P ⊙ (dP − Σ P dP).
                        var mean: Float = 0
                        for j in 0..<keys {
                            let dot = Self.dot(gi, v + offset(b, j, h, length: keys), size)
                            ds[j] = dot
                            mean += p[j] * dot
                        }
                        let dqi = dq + offset(b, i, h, length: queries)
                        dqi.update(repeating: 0, count: size)
                        for j in 0..<keys where p[j] != 0 {
                            let s = p[j] * (ds[j] - mean) * scale, w = p[j]
                            Self.add(s, k + offset(b, j, h, length: keys), to: dqi, size)
                            Self.add(s, qi, to: dk + offset(b, j, h, length: keys), size)
                            Self.add(w, gi, to: dv + offset(b, j, h, length: keys), size)
                        }
                    }
                }
            }
        }
    }
}
