import COpenBLAS

/// Running first and second moments of patch vectors, so the PCA can be fitted on patches streamed
/// from many clips without ever holding them all in memory.
///
/// The Gram matrix of each batch comes from one sgemm; totals are kept in Double because the
/// covariance is later formed as E[xxᵀ] − μμᵀ, which cancels badly in Float.
public struct PatchStatistics {
    public let grid: PatchGrid
    public private(set) var count = 0
    private var sum: [Double]
    private var gram: [Double]
    private var batchGram: [Float]
    private var patches: [Float] = []

    public init(grid: PatchGrid) {
        self.grid = grid
        let d = grid.patchDimension
        sum = [Double](repeating: 0, count: d)
        gram = [Double](repeating: 0, count: d * d)
        batchGram = [Float](repeating: 0, count: d * d)
    }

    /// Adds every patch of `frameCount` RGB24 frames laid out one after the other.
    public mutating func add(rgb: [UInt8], frameCount: Int) { add(rgb: rgb, frameCount: frameCount, grid: grid) }

    /// The same for frames of another grid with the same patch size: statistics of patches do
    /// not depend on where the patches sat.
    public mutating func add(rgb: [UInt8], frameCount: Int, grid: PatchGrid) {
        precondition(grid.patchSize == self.grid.patchSize, "patches of \(grid.patchSize) added to statistics of \(self.grid.patchSize)")
        let d = grid.patchDimension, n = frameCount * grid.patchCount
        precondition(rgb.count == frameCount * grid.frameByteCount, "expected \(frameCount) frames of \(grid.frameByteCount) bytes")
        guard n > 0 else { return }
        if patches.count < n * d { patches = [Float](repeating: 0, count: n * d) }
        rgb.withUnsafeBufferPointer { src in
            patches.withUnsafeMutableBufferPointer { grid.gather(rgb: src, frameCount: frameCount, into: $0) }
        }
        // batchGram = Xᵀ X over this batch (upper triangle is enough for ssyrk, but the full
        // matrix keeps the Double accumulation below a plain loop).
        patches.withUnsafeBufferPointer { x in
            batchGram.withUnsafeMutableBufferPointer { g in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n),
                            1, x.baseAddress, Int32(d), x.baseAddress, Int32(d), 0, g.baseAddress, Int32(d))
            }
            for i in 0..<n {
                let row = i * d
                for j in 0..<d { sum[j] += Double(x[row + j]) }
            }
        }
        for i in 0..<(d * d) { gram[i] += Double(batchGram[i]) }
        count += n
    }

    /// Per-value mean of all patches seen.
    public var mean: [Double] { sum.map { $0 / Double(max(count, 1)) } }

    /// The covariance matrix (d×d, row-major), population-normalised.
    public var covariance: [Double] {
        let d = grid.patchDimension, m = mean, n = Double(max(count, 1))
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { c[i * d + j] = gram[i * d + j] / n - m[i] * m[j] } }
        return c
    }
}
