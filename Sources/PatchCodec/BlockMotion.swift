/// One block's integer displacement in pixels: its content moved by (dx, dy) from the previous
/// frame to the last (positive dx is rightwards, positive dy downwards).
public struct MotionVector: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var dx: Int
    public var dy: Int

    public init(dx: Int, dy: Int) {
        self.dx = dx
        self.dy = dy
    }

    public static let zero = MotionVector(dx: 0, dy: 0)
    public var description: String { "(\(dx), \(dy))" }
}

/// A displacement per block of a frame: blocks of `blockSize` pixels tile the frame from its
/// top-left corner, row-major, with narrower/shorter blocks at the right and bottom edges when
/// the frame is not a multiple of the block size.
public struct MotionField: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let blockSize: Int
    /// One vector per block, row-major (`columns` per row).
    public var vectors: [MotionVector]

    public init(width: Int, height: Int, blockSize: Int, vectors: [MotionVector]) {
        precondition(width > 0 && height > 0 && blockSize > 0)
        self.width = width
        self.height = height
        self.blockSize = blockSize
        self.vectors = vectors
        precondition(vectors.count == columns * rows, "a motion field needs one vector per block")
    }

    /// No motion anywhere.
    public static func zero(width: Int, height: Int, blockSize: Int = BlockMotion.blockSize) -> MotionField {
        let columns = (width + blockSize - 1) / blockSize, rows = (height + blockSize - 1) / blockSize
        return MotionField(width: width, height: height, blockSize: blockSize, vectors: Array(repeating: .zero, count: columns * rows))
    }

    public var columns: Int { (width + blockSize - 1) / blockSize }
    public var rows: Int { (height + blockSize - 1) / blockSize }
    public subscript(column: Int, row: Int) -> MotionVector { vectors[row * columns + column] }
    /// The vector of the block holding pixel (x, y).
    public func vector(atX x: Int, y: Int) -> MotionVector { vectors[(y / blockSize) * columns + x / blockSize] }
}

/// Integer block matching between two frames: the coarse search `SubpixelMotion` refines.
///
/// Frames are interleaved RGB24, row-major, `width * height * 3` bytes (the layout of
/// `FrameBatch.rgb` and of `PatchGrid.gather`). Each `blockSize`² block of the last frame is
/// matched against the previous frame at every integer displacement within ±`searchRange` px,
/// by the sum of absolute differences over all three channels (reads beyond the border repeat the
/// edge pixel), plus a small penalty per pixel of displacement, so that flat or static areas,
/// where many displacements fit about equally well, keep v = 0.
public enum BlockMotion {
    public static let blockSize = 8
    public static let searchRange = 4
    /// Added to a candidate's SAD, per channel value in the block and per pixel of |dx| + |dy|:
    /// a displacement must beat staying put by one grey level per value per pixel moved (chosen on
    /// the real clips, docs/experiments.md).
    public static let displacementPenalty = 1.0

    /// `displacementPenalty` in SAD units for a block of `width` x `height` pixels: the cost of
    /// each pixel of |dx| + |dy|, the same for the search and for `cost`.
    static func penaltyStep(width: Int, height: Int) -> Int {
        Int((displacementPenalty * Double(width * 3 * height)).rounded())
    }

    /// The per-block motion from `previous` to `last`.
    public static func estimate(previous: [UInt8], last: [UInt8], width: Int, height: Int,
                                blockSize: Int = blockSize, searchRange: Int = searchRange) -> MotionField {
        previous.withUnsafeBufferPointer { p in
            last.withUnsafeBufferPointer { l in estimate(previous: p, last: l, width: width, height: height, blockSize: blockSize, searchRange: searchRange) }
        }
    }

    public static func estimate(previous: UnsafeBufferPointer<UInt8>, last: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                                blockSize: Int = blockSize, searchRange: Int = searchRange) -> MotionField {
        precondition(width > 0 && height > 0 && blockSize > 0 && searchRange >= 0)
        precondition(previous.count >= width * height * 3 && last.count >= width * height * 3, "frames must hold width * height * 3 bytes")
        let r = searchRange
        // The previous frame with an r-pixel border repeating its edges, so that every candidate
        // block reads in bounds and the inner loop needs no clamping.
        let paddedWidth = width + 2 * r, paddedRow = paddedWidth * 3
        var padded = [UInt8](repeating: 0, count: paddedRow * (height + 2 * r))
        padded.withUnsafeMutableBufferPointer { out in
            for y in 0..<(height + 2 * r) {
                let source = min(max(y - r, 0), height - 1) * width * 3, row = y * paddedRow
                for x in 0..<paddedWidth {
                    let s = source + min(max(x - r, 0), width - 1) * 3, d = row + x * 3
                    out[d] = previous[s]; out[d + 1] = previous[s + 1]; out[d + 2] = previous[s + 2]
                }
            }
        }
        let columns = (width + blockSize - 1) / blockSize, rows = (height + blockSize - 1) / blockSize
        var vectors = [MotionVector](repeating: .zero, count: columns * rows)
        // Candidates in order of growing |dx| + |dy|: with the penalty and a strict comparison,
        // exact ties go to the smallest displacement.
        var candidates: [(dx: Int, dy: Int)] = []
        for dy in -r...r { for dx in -r...r { candidates.append((dx, dy)) } }
        candidates.sort { abs($0.dx) + abs($0.dy) < abs($1.dx) + abs($1.dy) }
        padded.withUnsafeBufferPointer { f0 in
            for by in 0..<rows {
                let y0 = by * blockSize, h = min(blockSize, height - y0)
                for bx in 0..<columns {
                    let x0 = bx * blockSize, w = min(blockSize, width - x0), span = w * 3
                    let step = penaltyStep(width: w, height: h)
                    var best = Int.max, bestVector = MotionVector.zero
                    for (dx, dy) in candidates {
                        let penalty = step * (abs(dx) + abs(dy))
                        if penalty >= best { continue }
                        var sad = penalty
                        // f0's block at b − v, in padded coordinates.
                        var a = y0 * width * 3 + x0 * 3
                        var b = (y0 - dy + r) * paddedRow + (x0 - dx + r) * 3
                        for _ in 0..<h {
                            for i in 0..<span {
                                let d = Int(last[a + i]) - Int(f0[b + i])
                                sad += d < 0 ? -d : d
                            }
                            if sad >= best { break }
                            a += width * 3
                            b += paddedRow
                        }
                        if sad < best {
                            best = sad
                            bestVector = MotionVector(dx: dx, dy: dy)
                        }
                    }
                    vectors[by * columns + bx] = bestVector
                }
            }
        }
        return MotionField(width: width, height: height, blockSize: blockSize, vectors: vectors)
    }

    /// What `estimate` minimises for one block: the sum of absolute differences between the
    /// block of `last` at (`column`, `row`) and `previous` displaced by `displacement` (reads
    /// clamped to the frame), plus the displacement penalty unless `penalised` is false. The search
    /// computes the same sum on a padded copy, stopping early; this plain form scores single candidates.
    public static func cost(previous: UnsafeBufferPointer<UInt8>, last: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                            blockSize: Int = blockSize, column: Int, row: Int, displacement v: MotionVector,
                            penalised: Bool = true) -> Double {
        let x0 = column * blockSize, y0 = row * blockSize
        let w = min(blockSize, width - x0), h = min(blockSize, height - y0)
        var sad = penalised ? penaltyStep(width: w, height: h) * (abs(v.dx) + abs(v.dy)) : 0
        for y in y0..<(y0 + h) {
            let sy = min(max(y - v.dy, 0), height - 1)
            for x in x0..<(x0 + w) {
                let sx = min(max(x - v.dx, 0), width - 1)
                let a = (y * width + x) * 3, b = (sy * width + sx) * 3
                for c in 0..<3 {
                    let d = Int(last[a + c]) - Int(previous[b + c])
                    sad += d < 0 ? -d : d
                }
            }
        }
        return Double(sad)
    }
}
