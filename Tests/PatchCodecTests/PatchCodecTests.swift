import XCTest
@testable import PatchCodec

/// Deterministic frames with smooth gradients, moving stripes and noise: enough structure that a
/// few components explain most variance, and enough noise that the last ones are not empty.
func makeFrames(count: Int, width: Int, height: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed &* 0x9E3779B97F4A7C15 | 1
    func noise() -> Double {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Double(state % 1000) / 1000
    }
    var rgb = [UInt8](repeating: 0, count: count * width * height * 3)
    for f in 0..<count {
        for y in 0..<height {
            for x in 0..<width {
                let base = ((f * height + y) * width + x) * 3
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                let stripes = 0.5 + 0.5 * sin(Double(x + 2 * f) * 0.7 + Double(y) * 0.3)
                let values = [0.6 * u + 0.4 * stripes, 0.5 * v + 0.3 * stripes + 0.2 * noise(), 0.3 + 0.4 * u * v + 0.1 * noise()]
                for c in 0..<3 { rgb[base + c] = UInt8(max(0, min(255, values[c] * 255))) }
            }
        }
    }
    return rgb
}

final class PatchCodecTests: XCTestCase {
    let grid = try! PatchGrid(frameWidth: 32, frameHeight: 24, patchSize: 8)

    func fitted(frames: Int = 40) throws -> (PrincipalComponents, [UInt8]) {
        let rgb = makeFrames(count: frames, width: grid.frameWidth, height: grid.frameHeight)
        var stats = PatchStatistics(grid: grid)
        stats.add(rgb: Array(rgb[..<(rgb.count / 2)]), frameCount: frames / 2)
        stats.add(rgb: Array(rgb[(rgb.count / 2)...]), frameCount: frames - frames / 2)
        return (try PrincipalComponents(statistics: stats), rgb)
    }

    func testGatherThenScatterIsIdentity() {
        let rgb = makeFrames(count: 2, width: 32, height: 24, seed: 9)
        var patches = [Float](repeating: 0, count: 2 * grid.patchCount * grid.patchDimension)
        var back = [UInt8](repeating: 0, count: rgb.count)
        rgb.withUnsafeBufferPointer { src in patches.withUnsafeMutableBufferPointer { grid.gather(rgb: src, frameCount: 2, into: $0) } }
        patches.withUnsafeBufferPointer { p in back.withUnsafeMutableBufferPointer { grid.scatter(patches: p, frameCount: 2, into: $0) } }
        XCTAssertEqual(back, rgb)
        // Patch 1 is the second patch of the top row: its first value is pixel (8, 0), red.
        XCTAssertEqual(patches[grid.patchDimension], Float(rgb[8 * 3]) / 255, accuracy: 1e-6)
    }

    func testAllComponentsReconstructAlmostExactly() throws {
        let (pca, rgb) = try fitted()
        let codec = try pca.codec(keeping: grid.patchDimension)
        XCTAssertGreaterThan(codec.reconstructionPSNR(rgb: rgb, frameCount: 40), 50)
    }

    func testPSNRGrowsWithComponentsAndMatchesTheEigenvalueEstimate() throws {
        let (pca, rgb) = try fitted()
        var previous = 0.0
        for k in [2, 8, 16, 32] {
            let measured = try pca.codec(keeping: k).reconstructionPSNR(rgb: rgb, frameCount: 40)
            XCTAssertGreaterThan(measured, previous, "PSNR must grow with components (k=\(k))")
            // Rounding to bytes adds a little error, so allow half a dB below the estimate.
            XCTAssertEqual(measured, pca.expectedPSNR(keeping: k), accuracy: 0.5, "k=\(k)")
            previous = measured
        }
        let k = pca.componentsNeeded(forPSNR: 30)
        XCTAssertGreaterThanOrEqual(pca.expectedPSNR(keeping: k), 30)
        if k > 1 { XCTAssertLessThan(pca.expectedPSNR(keeping: k - 1), 30) }
    }

    func testEmbeddingsHaveUnitMeanVarianceAndPixelProportionalDistances() throws {
        let (pca, rgb) = try fitted()
        let k = 6, codec = try pca.codec(keeping: k)
        let z = codec.encode(rgb: rgb, frameCount: 40)
        XCTAssertEqual(z.count, 40 * codec.embeddingSize)
        let rows = z.count / k
        var variances: [Double] = []
        for j in 0..<k {
            var mean = 0.0, square = 0.0
            for r in 0..<rows { mean += Double(z[r * k + j]); square += Double(z[r * k + j] * z[r * k + j]) }
            mean /= Double(rows); square /= Double(rows)
            XCTAssertEqual(mean, 0, accuracy: 0.02, "component \(j) mean")
            variances.append(square - mean * mean)
        }
        // One shared scale: unit variance on average, and the components keep PCA's order.
        XCTAssertEqual(variances.reduce(0, +) / Double(k), 1, accuracy: 0.03)
        for j in 1..<k { XCTAssertLessThanOrEqual(variances[j], variances[j - 1] * 1.05, "component \(j)") }
        XCTAssertGreaterThan(variances[0], variances[k - 1] * 2)
        // Squared embedding distance is proportional to squared distance of the projected pixels.
        let perFrame = codec.embeddingSize
        let scale = Double(codec.scale[0])
        XCTAssertTrue(codec.scale.allSatisfy { $0 == codec.scale[0] })
        let a = codec.decode(embeddings: Array(z[0..<perFrame]), frameCount: 1)
        let b = codec.decode(embeddings: Array(z[(5 * perFrame)..<(6 * perFrame)]), frameCount: 1)
        let embeddingDistance = (0..<perFrame).reduce(0.0) { $0 + pow(Double(z[$1] - z[5 * perFrame + $1]), 2) }
        let pixelDistance = zip(a, b).reduce(0.0) { $0 + pow((Double($1.0) - Double($1.1)) / 255, 2) }
        XCTAssertEqual(embeddingDistance * scale * scale, pixelDistance, accuracy: pixelDistance * 0.05 + 1e-3)
        let d = grid.patchDimension
        for a in 0..<k { for b in 0..<k {
            var dot: Float = 0
            for i in 0..<d { dot += codec.basis[i * k + a] * codec.basis[i * k + b] }
            XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-4)
        } }
    }

    func testDecodeInvertsEncodeOnEmbeddings() throws {
        let (pca, rgb) = try fitted()
        let codec = try pca.codec(keeping: 10)
        let z = codec.encode(rgb: rgb, frameCount: 40)
        let again = codec.encode(rgb: codec.decode(embeddings: z, frameCount: 40), frameCount: 40)
        // Re-encoding a decoded picture changes it only by byte rounding.
        let worst = zip(z, again).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 0.1)
    }

    /// Drawn as a change to a reference, the reference's own embedding gives back the reference
    /// byte for byte (no codec loss), and another embedding gives the reference plus the change
    /// between the two plain decodes (up to byte rounding).
    func testDecodingAsChangesKeepsTheReferencesDetail() throws {
        let (pca, rgb) = try fitted()
        let codec = try pca.codec(keeping: 10)
        let z = codec.encode(rgb: rgb, frameCount: 40)
        let bytes = codec.grid.frameByteCount, e = codec.embeddingSize
        let reference = Array(rgb[0..<bytes]), referenceEmbedding = Array(z[0..<e])
        XCTAssertEqual(codec.decode(embeddings: referenceEmbedding, frameCount: 1, asChangesTo: reference, referenceEmbeddings: referenceEmbedding), reference)
        XCTAssertNotEqual(codec.decode(embeddings: referenceEmbedding, frameCount: 1), reference, "a plain decode loses detail")
        let other = Array(z[(7 * e)..<(8 * e)])
        let drawn = codec.decode(embeddings: other, frameCount: 1, asChangesTo: reference, referenceEmbeddings: referenceEmbedding)
        let plainOther = codec.decode(embeddings: other, frameCount: 1), plainReference = codec.decode(embeddings: referenceEmbedding, frameCount: 1)
        for i in 0..<bytes {
            let expected = Int(reference[i]) + Int(plainOther[i]) - Int(plainReference[i])
            XCTAssertLessThanOrEqual(abs(Int(drawn[i]) - min(max(expected, 0), 255)), 2, "byte \(i)")
        }
    }

    func testBadInputIsRejectedWithReasons() throws {
        XCTAssertThrowsError(try PatchGrid(frameWidth: 30, frameHeight: 24, patchSize: 8))
        XCTAssertThrowsError(try PatchGrid(frameWidth: 32, frameHeight: 24, patchSize: 0))
        var few = PatchStatistics(grid: grid)
        few.add(rgb: makeFrames(count: 1, width: 32, height: 24), frameCount: 1)
        XCTAssertThrowsError(try PrincipalComponents(statistics: few)) { error in
            XCTAssertEqual(error as? PatchCodecError, .notEnoughPatches(have: 12, need: 192))
        }
        let (pca, _) = try fitted()
        XCTAssertThrowsError(try pca.codec(keeping: 0))
        XCTAssertThrowsError(try pca.codec(keeping: 193))
        let codec = try pca.codec(keeping: 4)
        XCTAssertThrowsError(try PatchCodec(grid: grid, mean: codec.mean, basis: Array(codec.basis.dropLast()), scale: codec.scale))
        XCTAssertThrowsError(try PatchCodec(grid: grid, mean: codec.mean, basis: codec.basis, scale: [1, 1, 0, 1]))
        // Encoding divides by the scale: a subnormal one would make every code infinite.
        for scale: Float in [1e-40, .infinity, .nan] {
            XCTAssertThrowsError(try PatchCodec(grid: grid, mean: codec.mean, basis: codec.basis, scale: [1, 1, scale, 1]), "\(scale)")
        }
    }

    /// A corrupt codec can turn finite codes into NaN pixels: they become black, not a trap.
    func testScatterClampsValuesThatAreNotNumbers() {
        var patches = [Float](repeating: 0.5, count: grid.patchCount * grid.patchDimension)
        patches[0] = .nan
        patches[1] = .infinity
        patches[2] = -.infinity
        patches[3] = 3e38
        var rgb = [UInt8](repeating: 7, count: grid.frameByteCount)
        patches.withUnsafeBufferPointer { p in rgb.withUnsafeMutableBufferPointer { grid.scatter(patches: p, frameCount: 1, into: $0) } }
        XCTAssertEqual(Array(rgb.prefix(5)), [0, 255, 0, 255, 128])
    }

    // MARK: Working grids

    /// The long side at the working size, the short side to the nearest whole patch in proportion.
    func testWorkingGridsKeepTheSourcesAspectRatio() throws {
        func size(_ width: Int, _ height: Int, long: Int = 128, patch: Int = 8) throws -> [Int] {
            let grid = try PatchGrid.working(sourceWidth: width, sourceHeight: height, longSide: long, patchSize: patch)
            XCTAssertEqual(grid.patchSize, patch)
            return [grid.frameWidth, grid.frameHeight]
        }
        XCTAssertEqual(try size(720, 528), [128, 96], "93.9 pixels round to 12 patches")
        XCTAssertEqual(try size(720, 405), [128, 72], "16:9")
        XCTAssertEqual(try size(240, 320), [96, 128], "portrait keeps the long side vertical")
        XCTAssertEqual(try size(128, 128), [128, 128])
        XCTAssertEqual(try size(64, 64, long: 32), [32, 32])
        XCTAssertEqual(try size(1920, 1080, long: 64, patch: 16), [64, 32], "36 pixels round to 2 patches of 16")
        // A sliver of a source still gets one patch across, whichever way round.
        XCTAssertEqual(try size(1000, 10), [128, 8])
        XCTAssertEqual(try size(3, 2000), [8, 128])
        XCTAssertEqual(try size(1, 1, long: 8), [8, 8])
        let bad: [(Int, Int, Int, Int)] = [(0, 100, 128, 8), (100, -1, 128, 8), (100, 100, 0, 8), (100, 100, 4, 8),
                                           (100, 100, 100, 8), (100, 100, 128, 0)]
        for (width, height, long, patch) in bad {
            XCTAssertThrowsError(try PatchGrid.working(sourceWidth: width, sourceHeight: height, longSide: long, patchSize: patch),
                                 "\(width)x\(height) at \(long), patch \(patch)") { error in
                guard case .invalidGeometry = error as? PatchCodecError else { return XCTFail("\(error)") }
            }
        }
    }

    /// Frames of a 2x6 grid (16x48 pixels) holding the 12 patches of the 4x3 grid's frames, patch i
    /// at patch i of each grid, though at other places in the picture.
    func rearranged(_ rgb: [UInt8], frames: Int, from source: PatchGrid, to target: PatchGrid) -> [UInt8] {
        var patches = [Float](repeating: 0, count: frames * source.patchCount * source.patchDimension)
        var out = [UInt8](repeating: 0, count: frames * target.frameByteCount)
        rgb.withUnsafeBufferPointer { src in patches.withUnsafeMutableBufferPointer { source.gather(rgb: src, frameCount: frames, into: $0) } }
        patches.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { target.scatter(patches: p, frameCount: frames, into: $0) } }
        return out
    }

    /// A codec moved to another grid of the same patch size codes each patch as the original did,
    /// and draws it back the same; a grid of another patch size is refused.
    func testARegriddedCodecCodesEachPatchAsTheOriginalDoes() throws {
        let (pca, rgb) = try fitted()
        let codec = try pca.codec(keeping: 6)
        let tall = try PatchGrid(frameWidth: 16, frameHeight: 48, patchSize: 8)
        let moved = try codec.regridded(tall)
        XCTAssertEqual(moved.grid, tall)
        XCTAssertEqual(moved.components, codec.components)
        XCTAssertEqual(moved.embeddingSize, tall.patchCount * 6)
        XCTAssertEqual(moved.mean, codec.mean)
        XCTAssertEqual(moved.basis, codec.basis)
        XCTAssertEqual(moved.scale, codec.scale)
        let frames = 5, original = Array(rgb[..<(frames * grid.frameByteCount)])
        let other = rearranged(original, frames: frames, from: grid, to: tall)
        // Pixel row 8 starts with patches 2 and 3 in the tall grid, 4 and 5 in the original one.
        XCTAssertNotEqual(Array(other[(8 * 16 * 3)..<(9 * 16 * 3)]), Array(original[(8 * 32 * 3)..<(8 * 32 * 3 + 16 * 3)]),
                          "the patches should sit elsewhere in the picture")
        let (a, b) = (codec.encode(rgb: original, frameCount: frames), moved.encode(rgb: other, frameCount: frames))
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        let drawn = moved.decode(embeddings: b, frameCount: frames)
        let back = rearranged(drawn, frames: frames, from: tall, to: grid)
        let expected = codec.decode(embeddings: a, frameCount: frames)
        XCTAssertLessThanOrEqual(zip(back, expected).map { abs(Int($0) - Int($1)) }.max()!, 1)
        XCTAssertEqual(moved.reconstructionPSNR(rgb: other, frameCount: frames), codec.reconstructionPSNR(rgb: original, frameCount: frames), accuracy: 0.01)
        // A larger grid works too: its embedding grows with its patches.
        XCTAssertEqual(try codec.regridded(PatchGrid(frameWidth: 128, frameHeight: 72, patchSize: 8)).embeddingSize, 16 * 9 * 6)
        XCTAssertThrowsError(try codec.regridded(PatchGrid(frameWidth: 32, frameHeight: 32, patchSize: 16))) { error in
            guard case .invalidGeometry = error as? PatchCodecError else { return XCTFail("\(error)") }
        }
    }

    /// Statistics take frames of any grid of their patch size: the same patches in another
    /// arrangement give the same moments.
    func testStatisticsAddPatchesOfAnyGridOfTheirSize() throws {
        let frames = 20, rgb = makeFrames(count: frames, width: 32, height: 24, seed: 4)
        let tall = try PatchGrid(frameWidth: 16, frameHeight: 48, patchSize: 8)
        var here = PatchStatistics(grid: grid), there = PatchStatistics(grid: grid)
        here.add(rgb: rgb, frameCount: frames)
        there.add(rgb: rearranged(rgb, frames: frames, from: grid, to: tall), frameCount: frames, grid: tall)
        XCTAssertEqual(there.count, here.count)
        XCTAssertEqual(there.grid, grid)
        for (a, b) in zip(there.mean, here.mean) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        for (a, b) in zip(there.covariance, here.covariance) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // A frame of another shape counts its own patches.
        var wide = PatchStatistics(grid: grid)
        wide.add(rgb: makeFrames(count: 2, width: 64, height: 8), frameCount: 2, grid: try PatchGrid(frameWidth: 64, frameHeight: 8, patchSize: 8))
        XCTAssertEqual(wide.count, 16)
    }
}
