import Foundation
import PatchCodec
import VideoIO
import EBT

/// A clip as the model sees it: one embedding per (selected) frame. Frames are decoded and encoded
/// in small chunks, so only embeddings, never a whole clip's pixels, are held in memory.
public struct EmbeddedClip {
    public let url: URL
    public var embeddings: [[Float]]
    /// For each frame t, the embedding of its motion-compensated first guess from frames t−2 and
    /// t−1 (`MotionGuess`); empty unless asked for.
    public var guesses: [[Float]] = []
    /// The patch grid of every embedding.
    public var layout: PatchLayout
    public var fps: Double
    /// Problems met while reading that did not stop it (e.g. a truncated file).
    public var warnings: [String]
    /// Frames (indices among those read) that start a new shot (`SceneCuts`); empty unless asked for.
    public var sceneCuts: [Int] = []

    public var frameCount: Int { embeddings.count }

    public static func load(_ url: URL, codec: PatchCodec, stride: Int = 1, start: Int = 0, maxFrames: Int? = nil,
                            withGuesses: Bool = false, withSceneCuts: Bool = false, keepOrientation: Bool = false) throws -> EmbeddedClip {
        let grid = codec.grid
        let reader = try VideoReader(url: url, options: ReadOptions(width: grid.frameWidth, height: grid.frameHeight, stride: stride, start: start,
                                                                     maxFrames: maxFrames, keepOrientation: keepOrientation))
        var embeddings: [[Float]] = [], guesses: [[Float]] = []
        var chunk: [UInt8] = [], guessChunk: [UInt8] = []
        let chunkFrames = 32
        func encode(_ pixels: inout [UInt8], into list: inout [[Float]]) {
            let count = pixels.count / grid.frameByteCount
            guard count > 0 else { return }
            let codes = codec.encode(rgb: pixels, frameCount: count)
            for f in 0..<count { list.append(Array(codes[(f * codec.embeddingSize)..<((f + 1) * codec.embeddingSize)])) }
            pixels.removeAll(keepingCapacity: true)
        }
        var frame = RGBFrame(width: grid.frameWidth, height: grid.frameHeight)
        var recent: [[UInt8]] = []
        var changes = SceneCuts()
        while try reader.nextFrame(into: &frame) {
            chunk += frame.pixels
            if withSceneCuts { changes.add(frame.pixels) }
            if withGuesses {
                guessChunk += MotionGuess.next(after: recent, grid: grid) ?? frame.pixels
                recent = Array((recent + [frame.pixels]).suffix(2))
            }
            if chunk.count >= chunkFrames * grid.frameByteCount {
                encode(&chunk, into: &embeddings)
                encode(&guessChunk, into: &guesses)
            }
        }
        encode(&chunk, into: &embeddings)
        encode(&guessChunk, into: &guesses)
        var clip = EmbeddedClip(url: url, embeddings: embeddings, layout: PatchLayout(grid), fps: reader.metadata.fps / Double(stride),
                                warnings: reader.warnings)
        clip.guesses = guesses
        clip.sceneCuts = changes.cuts
        return clip
    }
}
