import Foundation

/// Peak signal-to-noise ratio of two RGB24 images of equal size, in dB.
///
/// Identical images have infinite PSNR; we cap it at `PSNR.cap` so averages over frames stay finite
/// and a perfect prediction reads as a large, recognisable number rather than `inf`.
public enum PSNR {
    public static let cap = 100.0

    public static func between(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count && !a.isEmpty, "PSNR needs two non-empty images of equal size")
        return fromMSE(meanSquaredError(a, b))
    }

    /// Per-value mean squared error in 0...255 units.
    public static func meanSquaredError(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count)
        var total = 0
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
            for i in 0..<x.count { let e = Int(x[i]) - Int(y[i]); total += e * e }
        } }
        return Double(total) / Double(max(a.count, 1))
    }

    public static func fromMSE(_ mse: Double) -> Double {
        mse <= 0 ? cap : min(cap, 10 * log10(255 * 255 / mse))
    }
}
