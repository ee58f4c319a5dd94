import PatchCodec

/// Where in a frame a prediction went wrong: the mean squared error of each patch, in the codec's
/// patch order, so it lines up with the model's per-patch energies.
public enum PatchErrors {
    /// Per-patch MSE (pixel values in [0, 1]) between two RGB24 frames laid out as `grid` expects.
    public static func meanSquared(_ predicted: [UInt8], _ actual: [UInt8], grid: PatchGrid) -> [Double] {
        precondition(predicted.count == grid.frameByteCount && actual.count == grid.frameByteCount)
        let d = grid.patchDimension
        var a = [Float](repeating: 0, count: grid.patchCount * d), b = a
        predicted.withUnsafeBufferPointer { src in a.withUnsafeMutableBufferPointer { grid.gather(rgb: src, frameCount: 1, into: $0) } }
        actual.withUnsafeBufferPointer { src in b.withUnsafeMutableBufferPointer { grid.gather(rgb: src, frameCount: 1, into: $0) } }
        return (0..<grid.patchCount).map { p in
            var total = 0.0
            for j in (p * d)..<((p + 1) * d) { let e = Double(a[j] - b[j]); total += e * e }
            return total / Double(d)
        }
    }
}
