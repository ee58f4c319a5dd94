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
    multiply(a, transposeA, b, transposeB, c, m: m, n: n, k: k, beta: 1)
}

/// C[m, n] = op(A) · op(B), all row-major and contiguous. A product large enough to repay the
/// hand-off is cut into one block of rows (or, for a few rows, of columns) per core, each block
/// an sgemm of its own on a single-threaded OpenBLAS (`BLASThreads`).
private func multiply(_ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
                      _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, beta: Float = 0) {
    BLASThreads.ensureSingle()
    let parts = BLASThreads.parts(m: m, n: n, k: k)
    if parts == 1 {
        multiplyBlock(a, transposeA, transposeA ? m : k, b, transposeB, transposeB ? k : n, c, n,
                      m: m, n: n, k: k, beta: beta)
    } else if m >= n {
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let rows = (part * m / parts)..<((part + 1) * m / parts)
            let blockA = transposeA ? a + rows.lowerBound : a + rows.lowerBound * k
            multiplyBlock(blockA, transposeA, transposeA ? m : k, b, transposeB, transposeB ? k : n,
                          c + rows.lowerBound * n, n, m: rows.count, n: n, k: k, beta: beta)
        }
    } else {
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let columns = (part * n / parts)..<((part + 1) * n / parts)
            let blockB = transposeB ? b + columns.lowerBound * k : b + columns.lowerBound
            multiplyBlock(a, transposeA, transposeA ? m : k, blockB, transposeB, transposeB ? k : n,
                          c + columns.lowerBound, n, m: m, n: columns.count, k: k, beta: beta)
        }
    }
}

/// One sgemm (or sgemv) with explicit leading dimensions. A single row or column is a
/// matrix–vector product: sgemm packs both operands first, which costs more than the product
/// itself when one of them is a vector (thinking on one candidate is all such products).
private func multiplyBlock(_ a: UnsafePointer<Float>, _ transposeA: Bool, _ lda: Int,
                           _ b: UnsafePointer<Float>, _ transposeB: Bool, _ ldb: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, m: Int, n: Int, k: Int, beta: Float) {
    if m == 1 {
        // cᵀ = op(B)ᵀ · a, where a's k values are `transposeA ? lda : 1` apart.
        let strideA = Int32(transposeA ? lda : 1)
        if transposeB {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, b, Int32(ldb), a, strideA, beta, c, 1)
        } else {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, b, Int32(ldb), a, strideA, beta, c, 1)
        }
    } else if n == 1 {
        // c = op(A) · b, where b's k values are `transposeB ? 1 : ldb` apart; c's are ldc apart.
        let strideB = Int32(transposeB ? 1 : ldb)
        if transposeA {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(m), 1, a, Int32(lda), b, strideB, beta, c, Int32(ldc))
        } else {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, a, Int32(lda), b, strideB, beta, c, Int32(ldc))
        }
    } else {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// OpenBLAS runs on one thread, always; `multiply` splits large products over the cores itself.
///
/// Why: OpenBLAS's helper threads spin for a long while after each threaded product, so a core
/// that is about to run something else (the other band of a prediction, the other half of a
/// training batch) shares its time with a thread that has nothing to do. Dispatch's workers
/// sleep when idle. On two cores a product of a few million multiply-adds finishes sooner on one
/// than it takes to hand half of it over, so only larger ones are split.
enum BLASThreads {
    /// Products with fewer multiply-adds than this run on the calling thread alone.
    static let parallelWork = 8 << 20
    private static let cores = ProcessInfo.processInfo.activeProcessorCount
    private static let single: Void = openblas_set_num_threads(1)

    static func ensureSingle() { _ = single }

    /// How many blocks to cut an m×n×k product into: one inside `dataParallel`, whose jobs
    /// already fill the cores, or for a small product.
    static func parts(m: Int, n: Int, k: Int) -> Int {
        if Kernels.serial || m * n * k < parallelWork { return 1 }
        return Swift.max(1, Swift.min(cores, Swift.max(m, n) / 16))
    }
}
