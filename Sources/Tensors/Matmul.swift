import COpenBLAS
import Foundation

/// Matrix products on `cblas_sgemm`. Transposes are passed to sgemm as flags instead of being
/// copied, and the backward pass chooses flags so that no gradient transposes a matrix in memory.
///
/// Shapes: `a` is [..., M, K] (or [..., K, M] with `transposeA`), `b` is [..., K, N] (or
/// [..., N, K] with `transposeB`); leading batch axes broadcast. A 2-D `b` against a batched `a`
/// (a linear layer `x[..., in] · W[in, out]`) flattens `a`'s leading axes into M, so the whole
/// batch is a single sgemm, and so is the weight gradient.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
    if b.rank == 2 && a.rank > 2 && !transposeA {
        let leading = Array(a.shape.dropLast())
        let product = matmul(a.reshaped([-1, a.shape[a.rank - 1]]), b, transposeB: transposeB)
        return product.reshaped(leading + [product.shape[1]])
    }
    let batch = Shape.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
    let fullA = a.broadcast(to: batch + a.shape.suffix(2))
    let fullB = b.broadcast(to: batch + b.shape.suffix(2))
    return batchedMatmul(fullA, fullB, transposeA: transposeA, transposeB: transposeB)
}

/// c[m, n] = a[m, k] · b[k, n], or a · bᵀ for b stored [n, k] with `transposeB`, on raw row-major
/// buffers. For hand-written kernels outside this module (the EBT's frozen-weight thinking), which
/// get the same vector special cases, thread choice and operation count as `matmul`.
public func multiplyRows(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, transposeB: Bool = false,
                         into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int) {
    GemmCounter.add(2 * m * n * k)
    BLASThreads.prepare(work: m * n * k)
    multiply(a, false, b, transposeB, c, m: m, n: n, k: k)
}

/// Counts the floating-point operations issued to sgemm (2·M·N·K per product), so benchmarks can
/// report the throughput of work that is hard to count by hand, like a double backward pass.
public enum GemmCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var total = 0

    /// Operations issued since the process started.
    public static var floatingPointOperations: Int { lock.withLock { total } }

    static func add(_ operations: Int) { lock.withLock { total += operations } }
}

/// The sgemm core: equal batch axes on both sides.
private func batchedMatmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
    let rank = a.rank
    let m = transposeA ? a.shape[rank - 1] : a.shape[rank - 2]
    let k = transposeA ? a.shape[rank - 2] : a.shape[rank - 1]
    let kb = transposeB ? b.shape[rank - 1] : b.shape[rank - 2]
    let n = transposeB ? b.shape[rank - 2] : b.shape[rank - 1]
    precondition(k == kb, "matmul inner sizes differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    let batch = Array(a.shape.dropLast(2))
    let result = Tensor.uninitialized(batch + [m, n])
    let count = Shape.count(batch)
    let pa = a.storage.pointer, pb = b.storage.pointer, pc = result.storage.pointer
    GemmCounter.add(2 * count * m * n * k)
    if k == 0 {
        pc.update(repeating: 0, count: result.count)
    } else {
        BLASThreads.prepare(work: m * n * k)
        for i in 0..<count {
            multiply(pa + i * m * k, transposeA, pb + i * k * n, transposeB, pc + i * m * n, m: m, n: n, k: k)
        }
    }
    return Tensor.record(result, [a, b], {
        [{ g, _ in
            transposeA ? matmul(b, g, transposeA: transposeB, transposeB: true)
                       : matmul(g, b, transposeB: !transposeB)
        }, { g, _ in
            transposeB ? matmul(g, a, transposeA: true, transposeB: transposeA)
                       : matmul(a, g, transposeA: !transposeA)
        }]
    }, accumulators: {
        // A plain product's gradients added straight into the running sums (sgemm with β = 1):
        // a weight gets one per use, and a fresh buffer plus an addition per use cost more.
        guard count == 1 else { return [] }
        return [{ g, _, sum in
            let (pb, pg) = (b.storage.pointer, g.storage.pointer)
            transposeA ? accumulateProduct(pb, transposeB, pg, true, sum, m: k, n: m, k: n)
                       : accumulateProduct(pg, false, pb, !transposeB, sum, m: m, n: k, k: n)
        }, { g, _, sum in
            let (pa, pg) = (a.storage.pointer, g.storage.pointer)
            transposeB ? accumulateProduct(pg, true, pa, transposeA, sum, m: n, n: k, k: m)
                       : accumulateProduct(pa, !transposeA, pg, false, sum, m: k, n: n, k: m)
        }]
    })
}

/// C[m, n] += op(A) · op(B) (row-major, contiguous): the in-place form of a product's gradient.
private func accumulateProduct(_ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
                               _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int) {
    GemmCounter.add(2 * m * n * k)
    guard k > 0 else { return }
    BLASThreads.prepare(work: m * n * k)
    multiply(a, transposeA, b, transposeB, c, m: m, n: n, k: k, beta: 1)
}

/// C[m, n] = op(A) · op(B), all row-major and contiguous. A single row or column is a
/// matrix–vector product: sgemm packs both operands first, which costs more than the product
/// itself when one of them is a vector (thinking on one candidate is all such products).
private func multiply(_ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
                      _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, beta: Float = 0) {
    if m == 1 {
        // cᵀ = op(B)ᵀ · a, where a's k values are contiguous whether or not A is transposed.
        if transposeB {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, b, Int32(k), a, 1, beta, c, 1)
        } else {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, b, Int32(n), a, 1, beta, c, 1)
        }
    } else if n == 1 {
        // c = op(A) · b, where b's k values are contiguous whether or not B is transposed.
        if transposeA {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(m), 1, a, Int32(m), b, 1, beta, c, 1)
        } else {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, a, Int32(k), b, 1, beta, c, 1)
        }
    } else {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    beta, c, Int32(n))
    }
}

/// OpenBLAS's thread count, chosen per product by its size. OpenBLAS splits any product above
/// 64·64·64 over all threads, but on two cores a product of a few million multiply-adds (the
/// observed stream of one context, 16 × 256 × 256) finishes sooner on one than it takes to
/// hand half of it over, and the idle helper then spins in sched_yield.
enum BLASThreads {
    /// Products with fewer multiply-adds than this run on the calling thread alone.
    static let parallelWork = 8 << 20
    private static let available = Int(openblas_get_num_threads())
    nonisolated(unsafe) private static var current = available
    /// Set by `dataParallel`: one thread for every product until `unpin`, chosen by no one else.
    nonisolated(unsafe) private static var pinned = false

    static func pin() {
        if current != 1 { openblas_set_num_threads(1) }
        current = 1
        pinned = true
    }

    static func unpin() { pinned = false }

    static func prepare(work: Int) {
        if pinned { return }
        let wanted = work < parallelWork ? 1 : available
        if wanted != current {
            openblas_set_num_threads(Int32(wanted))
            current = wanted
        }
    }
}
