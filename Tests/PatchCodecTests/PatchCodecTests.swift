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
    }
}
