import Foundation
import PatchCodec
import VideoIO

/// A clip read once, front to back, for `EvalJob`: the frames the next chunk of predictions
/// needs, at the working size, with their embeddings through each predictor's codec. Frames are
/// read and encoded as a chunk asks for them and dropped once no later chunk looks back at them,
/// so memory stays flat however long the clip is, where holding the whole clip's frames and
/// embeddings grew with every frame. The few frames the H-step rollouts start from are kept
/// aside as they pass, since the rollouts run after every one-step prediction.
struct EvalFrameWindow {
    let grid: PatchGrid
    /// The codecs whose embeddings are made; the model's first.
    let codecs: [PatchCodec]
    /// Each frame's differences from the frames before it, fed every frame in order.
    private(set) var changes = SceneCuts()
    /// Frames read so far.
    private(set) var count = 0

    private let reader: VideoReader
    private var frames: [Int: [UInt8]] = [:]
    private var embeddings: [[Int: [Float]]]
    /// Frames read but not yet encoded, in order, from `count - pending.count` on.
    private var pending: [UInt8] = []
    private let keptFrameIndices: Set<Int>, keptEmbeddingIndices: Set<Int>
    /// The frames and model embeddings asked to be kept past the window.
    private(set) var keptFrames: [Int: [UInt8]] = [:]
    private(set) var keptEmbeddings: [Int: [Float]] = [:]

    /// Frames held in the window now (the rollouts' kept ones aside).
    var heldFrames: Int { frames.count }

    /// Problems reading the clip that did not stop it (a truncated file).
    var warnings: [String] { reader.warnings }

    /// Opens `clip` at `grid`'s size; frames `keepFrames` and model embeddings `keepEmbeddings`
    /// are kept when they pass, for use after the window has moved on.
    init(clip: URL, grid: PatchGrid, codecs: [PatchCodec], maxFrames: Int, keepOrientation: Bool,
         keepFrames: Set<Int>, keepEmbeddings: Set<Int>) throws {
        self.grid = grid
        self.codecs = codecs
        reader = try VideoReader(url: clip, options: ReadOptions(width: grid.frameWidth, height: grid.frameHeight, maxFrames: maxFrames,
                                                                  keepOrientation: keepOrientation))
        embeddings = codecs.map { _ in [:] }
        keptFrameIndices = keepFrames
        keptEmbeddingIndices = keepEmbeddings
    }

    /// How many frames `clip` delivers read as `EvalFrameWindow` reads it: a pass that decodes
    /// but keeps nothing, so the rollouts' starting points are known before the real pass.
    static func frameCount(of clip: URL, grid: PatchGrid, maxFrames: Int, keepOrientation: Bool) throws -> Int {
        let reader = try VideoReader(url: clip, options: ReadOptions(width: grid.frameWidth, height: grid.frameHeight, maxFrames: maxFrames,
                                                                      keepOrientation: keepOrientation))
        var frame = RGBFrame(width: grid.frameWidth, height: grid.frameHeight), count = 0
        while try reader.nextFrame(into: &frame) { count += 1 }
        return count
    }

    /// Reads frames until frame `last` is in (or the clip ends), then encodes the new ones, all
    /// at once through each codec.
    mutating func read(through last: Int) throws {
        var frame = RGBFrame(width: grid.frameWidth, height: grid.frameHeight)
        while count <= last, try reader.nextFrame(into: &frame) {
            changes.add(frame.pixels)
            frames[count] = frame.pixels
            if keptFrameIndices.contains(count) { keptFrames[count] = frame.pixels }
            pending += frame.pixels
            count += 1
        }
        let fresh = pending.count / grid.frameByteCount, first = count - fresh
        guard fresh > 0 else { return }
        for (c, codec) in codecs.enumerated() {
            let codes = codec.encode(rgb: pending, frameCount: fresh), e = codec.embeddingSize
            for f in 0..<fresh {
                let code = Array(codes[(f * e)..<((f + 1) * e)])
                embeddings[c][first + f] = code
                if c == 0 && keptEmbeddingIndices.contains(first + f) { keptEmbeddings[first + f] = code }
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Frame `t`, which must be in the window.
    func frame(_ t: Int) -> [UInt8] {
        guard let frame = frames[t] else { preconditionFailure("EvalFrameWindow: frame \(t) is not in the window") }
        return frame
    }

    /// The embedding of frame `t` through codec `codec` (0: the model's), which must be in the window.
    func embedding(_ t: Int, codec: Int = 0) -> [Float] {
        guard let code = embeddings[codec][t] else { preconditionFailure("EvalFrameWindow: embedding \(t) is not in the window") }
        return code
    }

    /// Forgets the frames and embeddings before `index`: no later chunk looks back that far.
    mutating func drop(before index: Int) {
        for t in frames.keys where t < index { frames[t] = nil }
        for c in embeddings.indices { for t in embeddings[c].keys where t < index { embeddings[c][t] = nil } }
    }
}
