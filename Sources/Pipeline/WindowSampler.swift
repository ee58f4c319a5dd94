import EBT
import Tensors

/// Draws training windows of `length` consecutive embeddings from clips held in memory. Every
/// start position of every clip is equally likely, so long clips weigh more, as they should.
public struct WindowSampler {
    public let clips: [EmbeddedClip]
    public let length: Int
    /// (clip, start) of every window.
    public let starts: [(clip: Int, start: Int)]

    public init(clips: [EmbeddedClip], length: Int) {
        self.clips = clips
        self.length = length
        starts = clips.enumerated().flatMap { index, clip in
            clip.frameCount >= length ? (0...(clip.frameCount - length)).map { (index, $0) } : []
        }
    }

    public var isEmpty: Bool { starts.isEmpty }

    /// A batch [count, length, embedding] of windows drawn at random.
    public func batch(_ count: Int, using generator: inout SeededGenerator) -> Tensor {
        windows((0..<count).map { _ in starts[Int(generator.next() % UInt64(starts.count))] })
    }

    /// Up to `count` windows spread evenly over all start positions: a fixed validation set.
    public func evenlySpread(_ count: Int) -> Tensor {
        let n = min(count, starts.count)
        return windows((0..<n).map { starts[$0 * starts.count / n] })
    }

    func windows(_ picks: [(clip: Int, start: Int)]) -> Tensor {
        let e = clips[0].embeddings[0].count
        var values: [Float] = []
        values.reserveCapacity(picks.count * length * e)
        for (clip, start) in picks { for t in start..<(start + length) { values += clips[clip].embeddings[t] } }
        return Tensor(shape: [picks.count, length, e], scalars: values)
    }
}
