import Foundation

/// Structural similarity of two RGB24 images (Wang et al. 2004), averaged over the three channels.
///
/// Uses the common Gaussian-weighted form (σ = 1.5, an 11×11 window, population covariances,
/// K1 = 0.01, K2 = 0.03, dynamic range 255, reflected borders, and the mean taken over the region
/// at least 5 pixels from the border) so values agree with scikit-image's
/// `structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)`.
public enum SSIM {
    static let radius = 5
    static let kernel: [Double] = {
        let w = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }()

    public static func between(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int) -> Double {
        precondition(a.count == width * height * 3 && b.count == a.count, "SSIM needs two RGB24 images of \(width)x\(height)")
        precondition(width > 2 * radius && height > 2 * radius, "SSIM needs images larger than its 11x11 window")
        var total = 0.0
        for channel in 0..<3 {
            let x = (0..<(width * height)).map { Double(a[$0 * 3 + channel]) }
            let y = (0..<(width * height)).map { Double(b[$0 * 3 + channel]) }
            total += channelSSIM(x, y, width: width, height: height)
        }
        return total / 3
    }

    static func channelSSIM(_ x: [Double], _ y: [Double], width: Int, height: Int) -> Double {
        let c1: Double = (0.01 * 255) * (0.01 * 255), c2: Double = (0.03 * 255) * (0.03 * 255)
        let mx = blur(x, width, height), my = blur(y, width, height)
        let xx = blur(zip(x, x).map(*), width, height), yy = blur(zip(y, y).map(*), width, height)
        let xy = blur(zip(x, y).map(*), width, height)
        var sum = 0.0, count = 0
        for row in radius..<(height - radius) {
            for col in radius..<(width - radius) {
                let i = row * width + col
                let vx = xx[i] - mx[i] * mx[i], vy = yy[i] - my[i] * my[i], cxy = xy[i] - mx[i] * my[i]
                let s = ((2 * mx[i] * my[i] + c1) * (2 * cxy + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2))
                sum += s
                count += 1
            }
        }
        return sum / Double(count)
    }

    /// Separable Gaussian blur with half-sample symmetric borders (… c b a | a b c …).
    static func blur(_ image: [Double], _ width: Int, _ height: Int) -> [Double] {
        func reflect(_ i: Int, _ n: Int) -> Int {
            var i = i
            while i < 0 || i >= n { i = i < 0 ? -i - 1 : 2 * n - i - 1 }
            return i
        }
        var horizontal = [Double](repeating: 0, count: image.count)
        for row in 0..<height {
            for col in 0..<width {
                var s = 0.0
                for k in -radius...radius { s += kernel[k + radius] * image[row * width + reflect(col + k, width)] }
                horizontal[row * width + col] = s
            }
        }
        var out = [Double](repeating: 0, count: image.count)
        for row in 0..<height {
            for col in 0..<width {
                var s = 0.0
                for k in -radius...radius { s += kernel[k + radius] * horizontal[reflect(row + k, height) * width + col] }
                out[row * width + col] = s
            }
        }
        return out
    }
}
