/// The geometry shared by encoder and decoder: how a W×H RGB frame is cut into p×p patches.
///
/// Patches are numbered row-major over the grid (patch `i` sits at row `i / columns`, column
/// `i % columns`), and a patch's pixel vector is its p×p×3 values in row-major RGB order. Keeping
/// this in one place is what lets a per-patch uncertainty map be drawn back onto the frame.
public struct PatchGrid: Equatable, Sendable {
    public let frameWidth: Int
    public let frameHeight: Int
    public let patchSize: Int

    /// The largest frame side and patch side a grid may have: no decoder gives larger frames, and
    /// within them every count below (patches, bytes, patch values) is far from overflowing.
    public static let maxFrameSide = 16384, maxPatchSize = 64

    public init(frameWidth: Int, frameHeight: Int, patchSize: Int) throws {
        guard patchSize > 0, frameWidth > 0, frameHeight > 0 else {
            throw PatchCodecError.invalidGeometry("frame \(frameWidth)x\(frameHeight) and patch \(patchSize) must be positive")
        }
        guard frameWidth <= Self.maxFrameSide, frameHeight <= Self.maxFrameSide, patchSize <= Self.maxPatchSize else {
            throw PatchCodecError.invalidGeometry("frame \(frameWidth)x\(frameHeight) and patch \(patchSize) exceed the limits of \(Self.maxFrameSide) and \(Self.maxPatchSize) pixels")
        }
        guard frameWidth % patchSize == 0, frameHeight % patchSize == 0 else {
            throw PatchCodecError.invalidGeometry("frame \(frameWidth)x\(frameHeight) is not a multiple of the patch size \(patchSize)")
        }
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        self.patchSize = patchSize
    }

    /// The grid a model works on for a source of `sourceWidth`×`sourceHeight`: the long side
    /// scaled to `longSide` pixels and the short side to the nearest multiple of the patch size
    /// (at least one patch), so the source's aspect ratio is kept to within half a patch.
    public static func working(sourceWidth: Int, sourceHeight: Int, longSide: Int, patchSize: Int) throws -> PatchGrid {
        guard sourceWidth > 0, sourceHeight > 0, patchSize > 0, longSide >= patchSize, longSide % patchSize == 0 else {
            throw PatchCodecError.invalidGeometry("no working grid of long side \(longSide) and patch \(patchSize) for a \(sourceWidth)x\(sourceHeight) source")
        }
        let long = Double(Swift.max(sourceWidth, sourceHeight)), short = Double(Swift.min(sourceWidth, sourceHeight))
        let shortSide = Swift.max(patchSize, Int((short / long * Double(longSide) / Double(patchSize)).rounded()) * patchSize)
        return sourceWidth >= sourceHeight
            ? try PatchGrid(frameWidth: longSide, frameHeight: shortSide, patchSize: patchSize)
            : try PatchGrid(frameWidth: shortSide, frameHeight: longSide, patchSize: patchSize)
    }

    public var columns: Int { frameWidth / patchSize }
    public var rows: Int { frameHeight / patchSize }
    public var patchCount: Int { columns * rows }
    /// Values in one patch vector: p·p pixels × 3 channels.
    public var patchDimension: Int { patchSize * patchSize * 3 }
    /// Bytes in one RGB24 frame.
    public var frameByteCount: Int { frameWidth * frameHeight * 3 }

    /// Cuts RGB24 frames into patch vectors scaled to [0, 1]: `patches` gets `patchCount` rows of
    /// `patchDimension` values per frame, frames one after the other.
    public func gather(rgb: UnsafeBufferPointer<UInt8>, frameCount: Int, into patches: UnsafeMutableBufferPointer<Float>) {
        precondition(rgb.count >= frameCount * frameByteCount && patches.count >= frameCount * patchCount * patchDimension)
        let p = patchSize, rowBytes = p * 3, scale: Float = 1 / 255
        for f in 0..<frameCount {
            let frameBase = f * frameByteCount
            for patch in 0..<patchCount {
                let (py, px) = (patch / columns, patch % columns)
                var out = (f * patchCount + patch) * patchDimension
                for y in 0..<p {
                    let src = frameBase + ((py * p + y) * frameWidth + px * p) * 3
                    for i in 0..<rowBytes { patches[out + i] = Float(rgb[src + i]) * scale }
                    out += rowBytes
                }
            }
        }
    }

    /// The inverse of `gather`: patch vectors in [0, 1] back to RGB24, rounded and clamped (NaN,
    /// which a corrupt codec can make of finite codes, to 0: converting it would trap).
    public func scatter(patches: UnsafeBufferPointer<Float>, frameCount: Int, into rgb: UnsafeMutableBufferPointer<UInt8>) {
        precondition(rgb.count >= frameCount * frameByteCount && patches.count >= frameCount * patchCount * patchDimension)
        let p = patchSize, rowBytes = p * 3
        for f in 0..<frameCount {
            let frameBase = f * frameByteCount
            for patch in 0..<patchCount {
                let (py, px) = (patch / columns, patch % columns)
                var src = (f * patchCount + patch) * patchDimension
                for y in 0..<p {
                    let dst = frameBase + ((py * p + y) * frameWidth + px * p) * 3
                    for i in 0..<rowBytes {
                        let v = patches[src + i] * 255 + 0.5
                        rgb[dst + i] = v >= 255 ? 255 : v > 0 ? UInt8(v) : 0
                    }
                    src += rowBytes
                }
            }
        }
    }
}
