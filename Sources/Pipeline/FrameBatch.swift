import Foundation
import PatchCodec
import VideoIO

/// A few frames of a clip at the codec's size as one contiguous RGB24 buffer: the layout the
/// codec encodes and its statistics accumulate. For short reads only; long clips stream.
public struct FrameBatch {
    public var rgb: [UInt8]
    public var frames: Int
    /// Problems met while reading that did not stop it (a truncated file).
    public var warnings: [String] = []

    public static func read(_ url: URL, grid: PatchGrid, stride: Int = 1, start: Int = 0, maxFrames: Int,
                            keepOrientation: Bool = false) throws -> FrameBatch {
        let reader = try VideoReader(url: url, options: ReadOptions(width: grid.frameWidth, height: grid.frameHeight, stride: stride, start: start,
                                                                     maxFrames: maxFrames, keepOrientation: keepOrientation))
        var batch = FrameBatch(rgb: [], frames: 0)
        var frame = RGBFrame(width: grid.frameWidth, height: grid.frameHeight)
        while try reader.nextFrame(into: &frame) {
            batch.rgb += frame.pixels
            batch.frames += 1
        }
        batch.warnings = reader.warnings
        return batch
    }
}
