import EBT
import Tensors

/// Draws training windows of `length` consecutive embeddings from clips held in memory. Every
/// start position of every clip is equally likely, so long clips weigh more, as they should.
///
/// With a `crop`, each window is a random crop of that many patches from its clip's frames: the
/// model is local, so small crops teach it what whole frames would at a fraction of the cost, and
/// clips of any shape can share a batch.
public struct WindowSampler {
    public let clips: [EmbeddedClip]
    public let length: Int
    /// The patch grid every window is cut to; nil = whole frames, which must then share one grid.
    public let crop: PatchLayout?
    /// (clip, start) of every window.
    public let starts: [(clip: Int, start: Int)]

    public init(clips: [EmbeddedClip], length: Int, crop: PatchLayout? = nil) {
        self.clips = clips
        self.length = length
        self.crop = crop
        starts = clips.enumerated().flatMap { index, clip in
            let fits = crop.map { clip.layout.rows >= $0.rows && clip.layout.columns >= $0.columns } ?? true
            return clip.frameCount >= length && fits ? (0...(clip.frameCount - length)).map { (index, $0) } : []
        }
    }

    public var isEmpty: Bool { starts.isEmpty }

    /// The grid of the windows drawn.
    public var layout: PatchLayout? { crop ?? starts.first.map { clips[$0.clip].layout } }

    /// A batch [count, length, embedding] of windows drawn at random, and their first guesses
    /// (same shape) when the clips carry them.
    public func batch(_ count: Int, using generator: inout SeededGenerator) -> (windows: Tensor, guesses: Tensor?) {
        windowsAndGuesses((0..<count).map { _ in
            let pick = starts[Int(generator.next() % UInt64(starts.count))]
            let layout = clips[pick.clip].layout
            guard let crop else { return (pick.clip, pick.start, 0, 0) }
            let top = Int(generator.next() % UInt64(layout.rows - crop.rows + 1))
            let left = Int(generator.next() % UInt64(layout.columns - crop.columns + 1))
            return (pick.clip, pick.start, top, left)
        })
    }

    /// Up to `count` windows spread evenly over all start positions, cropped at the centre: a
    /// fixed validation set, with its first guesses when the clips carry them.
    public func evenlySpread(_ count: Int) -> (windows: Tensor, guesses: Tensor?) {
        let n = min(count, starts.count)
        return windowsAndGuesses((0..<n).map { i in
            let pick = starts[i * starts.count / n], layout = clips[pick.clip].layout
            guard let crop else { return (pick.clip, pick.start, 0, 0) }
            return (pick.clip, pick.start, (layout.rows - crop.rows) / 2, (layout.columns - crop.columns) / 2)
        })
    }

    func windowsAndGuesses(_ picks: [(clip: Int, start: Int, top: Int, left: Int)]) -> (windows: Tensor, guesses: Tensor?) {
        let guessed = picks.allSatisfy { clips[$0.clip].guesses.count == clips[$0.clip].frameCount }
        return (windows(picks, \.embeddings), guessed ? windows(picks, \.guesses) : nil)
    }

    func windows(_ picks: [(clip: Int, start: Int, top: Int, left: Int)], _ source: KeyPath<EmbeddedClip, [[Float]]>) -> Tensor {
        let first = clips[picks[0].clip]
        let components = first.embeddings[0].count / first.layout.patches
        let cropped = crop ?? first.layout
        let e = cropped.patches * components
        var values: [Float] = []
        values.reserveCapacity(picks.count * length * e)
        for (clip, start, top, left) in picks {
            let columns = clips[clip].layout.columns
            for t in start..<(start + length) {
                let frame = clips[clip][keyPath: source][t]
                if crop == nil { values += frame; continue }
                for row in top..<(top + cropped.rows) {
                    let from = (row * columns + left) * components
                    values += frame[from..<(from + cropped.columns * components)]
                }
            }
        }
        return Tensor(shape: [picks.count, length, e], scalars: values)
    }
}
