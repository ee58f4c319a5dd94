import COpenBLAS
import Foundation

/// Turns RGB frames into one standardised embedding per frame and back.
///
/// An embedding is `patchCount × components` values (patch-major, see `PatchGrid`): each patch is
/// projected on a PCA basis and every coefficient divided by a scale (one shared by all components
/// in fitted codecs, see `PrincipalComponents.codec(keeping:)`). Decoding inverts the projection,
/// which is what turns every predicted embedding into a picture.
public struct PatchCodec: Equatable {
    public let grid: PatchGrid
    /// Mean patch vector (patchDimension values in [0, 1]).
    public let mean: [Float]
    /// patchDimension × components, row-major: column k is component k.
    public let basis: [Float]
    /// What each component's coefficient is divided by (the file format allows one per component).
    public let scale: [Float]

    public init(grid: PatchGrid, mean: [Float], basis: [Float], scale: [Float]) throws {
        let d = grid.patchDimension, k = scale.count
        guard k >= 1, k <= d else { throw PatchCodecError.invalidComponents("\(k) is outside 1...\(d)") }
        guard mean.count == d else { throw PatchCodecError.shapeMismatch("mean has \(mean.count) values, expected \(d)") }
        guard basis.count == d * k else { throw PatchCodecError.shapeMismatch("basis has \(basis.count) values, expected \(d)x\(k)") }
        // Encoding divides by the scale, so a subnormal one (whose inverse is infinite) is refused too.
        guard scale.allSatisfy({ $0.isNormal && $0 > 0 }), mean.allSatisfy(\.isFinite), basis.allSatisfy(\.isFinite) else {
            throw PatchCodecError.shapeMismatch("codec holds non-finite values, or scales that are not positive normal numbers")
        }
        self.grid = grid
        self.mean = mean
        self.basis = basis
        self.scale = scale
    }

    /// The same codec on frames of another grid of the same patch size: the basis describes one
    /// patch, wherever it sits, so it serves any frame shape.
    public func regridded(_ grid: PatchGrid) throws -> PatchCodec {
        guard grid.patchSize == self.grid.patchSize else {
            throw PatchCodecError.invalidGeometry("a codec of \(self.grid.patchSize)-pixel patches cannot encode \(grid.patchSize)-pixel ones")
        }
        return try PatchCodec(grid: grid, mean: mean, basis: basis, scale: scale)
    }

    public var components: Int { scale.count }
    /// Values in one frame's embedding.
    public var embeddingSize: Int { grid.patchCount * components }

    /// Embeds `frameCount` RGB24 frames laid out one after the other: frameCount × embeddingSize values.
    public func encode(rgb: [UInt8], frameCount: Int) -> [Float] {
        precondition(rgb.count == frameCount * grid.frameByteCount, "expected \(frameCount) frames of \(grid.frameByteCount) bytes")
        let d = grid.patchDimension, k = components, n = frameCount * grid.patchCount
        var patches = [Float](repeating: 0, count: n * d)
        var codes = [Float](repeating: 0, count: n * k)
        rgb.withUnsafeBufferPointer { src in patches.withUnsafeMutableBufferPointer { grid.gather(rgb: src, frameCount: frameCount, into: $0) } }
        patches.withUnsafeMutableBufferPointer { x in
            mean.withUnsafeBufferPointer { m in
                for row in 0..<n { let base = row * d; for j in 0..<d { x[base + j] -= m[j] } }
            }
            basis.withUnsafeBufferPointer { b in
                codes.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(k), Int32(d),
                                1, x.baseAddress, Int32(d), b.baseAddress, Int32(k), 0, c.baseAddress, Int32(k))
                }
            }
        }
        let inverse = scale.map { 1 / $0 }
        codes.withUnsafeMutableBufferPointer { c in
            for row in 0..<n { let base = row * k; for j in 0..<k { c[base + j] *= inverse[j] } }
        }
        return codes
    }

    /// Pictures for `frameCount` embeddings laid out one after the other, as RGB24 bytes.
    public func decode(embeddings: [Float], frameCount: Int) -> [UInt8] {
        precondition(embeddings.count == frameCount * embeddingSize, "expected \(frameCount) embeddings of \(embeddingSize) values")
        let d = grid.patchDimension, n = frameCount * grid.patchCount
        // Start every patch at the mean, then add the basis combination.
        var patches = [Float](repeating: 0, count: n * d)
        for row in 0..<n { let base = row * d; for j in 0..<d { patches[base + j] = mean[j] } }
        return draw(embeddings, over: &patches, frameCount: frameCount)
    }

    /// Pictures for `frameCount` embeddings, each drawn as a change to its reference picture:
    /// reference + decode(embedding) − decode(referenceEmbedding), one reference per embedding.
    /// The codec keeps K of a patch's 192 dimensions, so a plain decode throws away the fine
    /// texture that copy-last keeps (2 dB on photographs); drawing only the predicted change over
    /// the last real frame keeps that detail wherever the prediction leaves the picture alone.
    public func decode(embeddings: [Float], frameCount: Int, asChangesTo reference: [UInt8], referenceEmbeddings: [Float]) -> [UInt8] {
        precondition(embeddings.count == frameCount * embeddingSize && referenceEmbeddings.count == embeddings.count
                     && reference.count == frameCount * grid.frameByteCount, "expected \(frameCount) embeddings and reference frames")
        var patches = [Float](repeating: 0, count: frameCount * grid.patchCount * grid.patchDimension)
        reference.withUnsafeBufferPointer { src in patches.withUnsafeMutableBufferPointer { grid.gather(rgb: src, frameCount: frameCount, into: $0) } }
        return draw(zip(embeddings, referenceEmbeddings).map { $0 - $1 }, over: &patches, frameCount: frameCount)
    }

    /// Adds the basis combination of each patch's `coefficients` (standardized, as embeddings are)
    /// to `patches` and returns them as RGB24 bytes: the one place pictures leave the codec.
    private func draw(_ coefficients: [Float], over patches: inout [Float], frameCount: Int) -> [UInt8] {
        let d = grid.patchDimension, k = components, n = frameCount * grid.patchCount
        var codes = coefficients
        for row in 0..<n { let base = row * k; for j in 0..<k { codes[base + j] *= scale[j] } }
        patches.withUnsafeMutableBufferPointer { x in
            codes.withUnsafeBufferPointer { c in
                basis.withUnsafeBufferPointer { b in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(d), Int32(k),
                                1, c.baseAddress, Int32(k), b.baseAddress, Int32(k), 1, x.baseAddress, Int32(d))
                }
            }
        }
        var rgb = [UInt8](repeating: 0, count: frameCount * grid.frameByteCount)
        patches.withUnsafeBufferPointer { x in rgb.withUnsafeMutableBufferPointer { grid.scatter(patches: x, frameCount: frameCount, into: $0) } }
        return rgb
    }

    /// PSNR (dB, peak 255) of encoding then decoding these frames: how much the codec alone loses.
    public func reconstructionPSNR(rgb: [UInt8], frameCount: Int) -> Double {
        let restored = decode(embeddings: encode(rgb: rgb, frameCount: frameCount), frameCount: frameCount)
        var squared = 0.0
        for i in 0..<rgb.count { let e = Double(rgb[i]) - Double(restored[i]); squared += e * e }
        let mse = squared / Double(max(rgb.count, 1))
        return mse == 0 ? 100 : 10 * log10(255 * 255 / mse)
    }
}
