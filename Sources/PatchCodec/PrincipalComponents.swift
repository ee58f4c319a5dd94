import COpenBLAS
import Foundation

/// The full eigen-decomposition of the patch covariance, largest variance first.
///
/// Kept separate from the codec so the number of components can be chosen *after* fitting, from
/// the variance each one explains: the mean squared reconstruction error of keeping K components is
/// exactly the sum of the discarded eigenvalues divided by the patch dimension.
public struct PrincipalComponents {
    public let grid: PatchGrid
    public let mean: [Float]
    /// Eigenvalues in decreasing order (the variance along each component).
    public let variances: [Float]
    /// Eigenvectors as columns of a d×d row-major matrix, in the order of `variances`.
    public let vectors: [Float]

    /// Fits on the accumulated statistics with LAPACK's ssyevd.
    public init(statistics: PatchStatistics) throws {
        let d = statistics.grid.patchDimension
        guard statistics.count >= d else { throw PatchCodecError.notEnoughPatches(have: statistics.count, need: d) }
        var a = statistics.covariance.map(Float.init)
        var w = [Float](repeating: 0, count: d)
        var n = Int32(d), lda = Int32(d), info: Int32 = 0
        var jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U"))
        // Workspace query first, then the real call.
        var lwork: Int32 = -1, liwork: Int32 = -1, workSize: Float = 0, iworkSize: Int32 = 0
        ssyevd_(&jobz, &uplo, &n, &a, &lda, &w, &workSize, &lwork, &iworkSize, &liwork, &info)
        guard info == 0 else { throw PatchCodecError.eigenSolverFailed(info: info) }
        lwork = Int32(workSize.rounded(.up)); liwork = iworkSize
        var work = [Float](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        ssyevd_(&jobz, &uplo, &n, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { throw PatchCodecError.eigenSolverFailed(info: info) }
        // LAPACK is column-major: eigenvector j is a[j*d ..< (j+1)*d], in ascending eigenvalue order.
        var vectors = [Float](repeating: 0, count: d * d)
        for k in 0..<d {
            let src = (d - 1 - k) * d
            for i in 0..<d { vectors[i * d + k] = a[src + i] }
        }
        grid = statistics.grid
        mean = statistics.mean.map(Float.init)
        variances = w.reversed().map { max($0, 0) }
        self.vectors = vectors
    }

    /// Expected reconstruction PSNR (peak 1) on the fitting distribution when keeping `k` components.
    public func expectedPSNR(keeping k: Int) -> Double {
        let residual = variances[min(k, variances.count)...].reduce(0.0) { $0 + Double($1) }
        let mse = max(residual / Double(variances.count), 1e-12)
        return 10 * log10(1 / mse)
    }

    /// The fewest components whose expected PSNR reaches `target` dB (all of them if none does).
    public func componentsNeeded(forPSNR target: Double) -> Int {
        (1...variances.count).first { expectedPSNR(keeping: $0) >= target } ?? variances.count
    }

    /// A codec keeping the first `k` components, all divided by one shared scale: the root of their
    /// mean variance, so the embedding has unit variance per value on average.
    ///
    /// One scale rather than one per component (the design's first choice) keeps squared distance
    /// in embedding space proportional to squared pixel distance. Per-component standardisation
    /// gave fine-detail components, which PSNR hardly sees, as much weight in the training loss as
    /// the coarse ones; trained models then beat copy-last in embedding error while losing to it in
    /// PSNR. With one scale, the loss, the energy and the pixel metrics agree.
    public func codec(keeping k: Int) throws -> PatchCodec {
        let d = grid.patchDimension
        guard k >= 1, k <= d else { throw PatchCodecError.invalidComponents("\(k) is outside 1...\(d)") }
        var basis = [Float](repeating: 0, count: d * k)
        for i in 0..<d { for j in 0..<k { basis[i * k + j] = vectors[i * d + j] } }
        let meanVariance = variances[0..<k].reduce(0, +) / Float(k)
        let shared = sqrt(max(meanVariance, 1e-12))
        return try PatchCodec(grid: grid, mean: mean, basis: basis, scale: [Float](repeating: shared, count: k))
    }
}
