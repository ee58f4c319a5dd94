import XCTest
import PatchCodec
@testable import Pipeline

final class MetricsTests: XCTestCase {
    let width = 24, height = 20

    /// The integer pattern the scikit-image reference values below were computed on.
    func patterned(seed: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height { for x in 0..<width { for c in 0..<3 {
            out[(y * width + x) * 3 + c] = UInt8((x * 7 + y * 13 + c * 29 + seed * 31 + ((x * y * (seed + 1)) % 17) * 5) % 256)
        } } }
        return out
    }

    func smoothPair() -> ([UInt8], [UInt8]) {
        var c = [UInt8](repeating: 0, count: width * height * 3), d = c
        for y in 0..<height { for x in 0..<width {
            let base = [(x * 10) % 256, (y * 12) % 256, ((x + y) * 6) % 256]
            let wobble = ((x * 3 + y * 5) % 11 - 5) * 2
            for ch in 0..<3 {
                c[(y * width + x) * 3 + ch] = UInt8(base[ch])
                d[(y * width + x) * 3 + ch] = UInt8(max(0, min(255, base[ch] + wobble)))
            }
        } }
        return (c, d)
    }

    func testSSIMMatchesScikitImageReference() {
        // skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
        //   use_sample_covariance=False, data_range=255, channel_axis=2), scikit-image 0.26.
        XCTAssertEqual(SSIM.between(patterned(seed: 1), patterned(seed: 2), width: width, height: height), 0.20907869402860454, accuracy: 1e-3)
        let (c, d) = smoothPair()
        XCTAssertEqual(SSIM.between(c, d, width: width, height: height), 0.9261945227957332, accuracy: 1e-3)
    }

    func testAnImageAgainstItselfIsPerfect() {
        let a = patterned(seed: 3)
        XCTAssertEqual(SSIM.between(a, a, width: width, height: height), 1, accuracy: 1e-9)
        XCTAssertEqual(PSNR.between(a, a), PSNR.cap)
    }

    func testPSNRFromAKnownError() {
        let a = [UInt8](repeating: 100, count: 300)
        var b = a
        for i in stride(from: 0, to: 300, by: 3) { b[i] = 110 }  // MSE = 100/3
        XCTAssertEqual(PSNR.meanSquaredError(a, b), 100.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(PSNR.between(a, b), 10 * log10(255 * 255 / (100.0 / 3)), accuracy: 1e-9)
    }

    func testSpearmanMatchesScipyWithTies() {
        // scipy.stats.spearmanr([1,2,2,5,3,9], [3,1,4,1,5,9]).statistic
        XCTAssertEqual(RankStatistics.spearman([1, 2, 2, 5, 3, 9], [3, 1, 4, 1, 5, 9])!, 0.3970588235294118, accuracy: 1e-12)
        XCTAssertEqual(RankStatistics.spearman([1, 2, 3, 4], [10, 20, 30, 40])!, 1, accuracy: 1e-12)
        XCTAssertNil(RankStatistics.spearman([1, 1, 1], [1, 2, 3]))
    }

    func testAUROC() {
        XCTAssertEqual(RankStatistics.auroc(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, false, true, true])!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(RankStatistics.auroc(scores: [1, 2, 3], positives: [false, true, true])!, 1)
        XCTAssertEqual(RankStatistics.auroc(scores: [5, 5], positives: [false, true])!, 0.5)
        XCTAssertNil(RankStatistics.auroc(scores: [1, 2], positives: [true, true]))
    }

    func testPatchErrorsFindTheChangedPatchInCodecOrder() throws {
        // 32x16 frame of 8x8 patches: 4 columns, 2 rows; patch index = row * 4 + column.
        let grid = try PatchGrid(frameWidth: 32, frameHeight: 16, patchSize: 8)
        let a = [UInt8](repeating: 120, count: grid.frameByteCount)
        XCTAssertEqual(PatchErrors.meanSquared(a, a, grid: grid), [Double](repeating: 0, count: 8))
        var b = a
        for y in 8..<16 { for x in 16..<24 { b[(y * 32 + x) * 3 + 1] = 171 } }  // row 1, column 2, green only
        let errors = PatchErrors.meanSquared(b, a, grid: grid)
        let difference = 51.0 / 255, expected: Double = difference * difference / 3
        for (p, error) in errors.enumerated() { XCTAssertEqual(error, p == 6 ? expected : 0, accuracy: 1e-6, "patch \(p)") }
    }
}
