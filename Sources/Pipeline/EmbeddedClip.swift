import Foundation
import PatchCodec
import VideoIO
import EBT

/// A clip as the model sees it: one embedding per (selected) frame. Frames are decoded and encoded
/// in small chunks, so only embeddings, never a whole clip's pixels, are held in memory.
public struct EmbeddedClip {
    public let url: URL
    public var embeddings: [[Float]]
    /// The patch grid of every embedding.
    public var layout: PatchLayout
    public var fps: Double
    /// Problems met while reading that did not stop it (e.g. a truncated file).
    public var warnings: [String]

    public var frameCount: Int { embeddings.count }

    public static func load(_ url: URL, codec: PatchCodec, stride: Int = 1, start: Int = 0, maxFrames: Int? = nil) throws -> EmbeddedClip {
        let grid = codec.grid
        let reader = try VideoReader(url: url, options: ReadOptions(width: grid.frameWidth, height: grid.frameHeight,
                                                                     stride: stride, start: start, maxFrames: maxFrames))
        var embeddings: [[Float]] = []
        var chunk: [UInt8] = []
        let chunkFrames = 32
        func flush() {
            let count = chunk.count / grid.frameByteCount
            guard count > 0 else { return }
            let codes = codec.encode(rgb: chunk, frameCount: count)
            for f in 0..<count { embeddings.append(Array(codes[(f * codec.embeddingSize)..<((f + 1) * codec.embeddingSize)])) }
            chunk.removeAll(keepingCapacity: true)
        }
        var frame = RGBFrame(width: grid.frameWidth, height: grid.frameHeight)
        while try reader.nextFrame(into: &frame) {
            chunk += frame.pixels
            if chunk.count >= chunkFrames * grid.frameByteCount { flush() }
        }
        flush()
        return EmbeddedClip(url: url, embeddings: embeddings, layout: PatchLayout(grid), fps: reader.metadata.fps / Double(stride), warnings: reader.warnings)
    }
}
