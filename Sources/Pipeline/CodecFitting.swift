import Foundation
import PatchCodec

/// Fits the patch codec on frames streamed from training clips.
public enum CodecFitting {
    /// Accumulates patch statistics from every `frameStride`-th frame of each clip (up to
    /// `maxFramesPerClip`) and returns the full PCA, so the component count can be chosen after.
    /// Clips that cannot be read are skipped and reported through `skipped`. Each clip is read at
    /// `gridOf(clip)` (default: `grid`); the codec's grid is `grid`.
    public static func principalComponents(clips: [URL], grid: PatchGrid, gridOf: ((URL) throws -> PatchGrid)? = nil,
                                           frameStride: Int = 2, maxFramesPerClip: Int = 64,
                                           skipped: (URL, Error) -> Void = { _, _ in }) throws -> PrincipalComponents {
        var statistics = PatchStatistics(grid: grid)
        for url in clips {
            do {
                let clipGrid = try gridOf?(url) ?? grid
                let batch = try FrameBatch.read(url, grid: clipGrid, stride: frameStride, maxFrames: maxFramesPerClip)
                statistics.add(rgb: batch.rgb, frameCount: batch.frames, grid: clipGrid)
            } catch {
                skipped(url, error)
            }
        }
        return try PrincipalComponents(statistics: statistics)
    }
}
