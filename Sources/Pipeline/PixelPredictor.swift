import EBT
import PatchCodec
import Tensors

/// A model run on pixel frames: makes the first guess in pixels when the model starts from one
/// (`MotionGuess`), predicts in embeddings, and draws each prediction back as pixels, as its
/// change from the frame it started at, so the detail the codec cannot hold stays where the
/// picture does not change.
public struct PixelPredictor {
    public let predictor: Predictor
    public let codec: PatchCodec

    public init(network: ModelFile.Network, codec: PatchCodec) {
        predictor = Predictor(network: network)
        self.codec = codec
    }

    public var layout: PatchLayout { PatchLayout(codec.grid) }
    /// Whether the model starts from a motion-compensated guess.
    public var usesGuesses: Bool { predictor.config.start == .motion }

    /// The frame a prediction after `recent` (pixel frames, oldest first) starts from and is drawn
    /// as a change to: the motion guess, or the last frame.
    public func reference(after recent: [[UInt8]]) -> [UInt8] {
        reference(last: recent[recent.count - 1], guess: MotionGuess.next(after: recent, grid: codec.grid)!)
    }

    /// The same from a guess already made (by `MotionGuess`, for the same frames), which a model
    /// starting from the last frame leaves unused.
    public func reference(last: [UInt8], guess: @autoclosure () -> [UInt8]) -> [UInt8] {
        usesGuesses ? guess() : last
    }

    /// One-step predictions for many contexts at once: `contexts` [count, length, embedding] with
    /// the pixel frame each prediction starts from (`reference`) and, optionally, the actual frames.
    public func predictNext(contexts: Tensor, references: [[UInt8]], actual: Tensor?, options: PredictionOptions) throws
        -> (batch: BatchPrediction, pixels: [UInt8]) {
        let count = references.count
        let referenceCodes = codec.encode(rgb: references.flatMap { $0 }, frameCount: count)
        let guesses = usesGuesses ? Tensor(shape: [count, codec.embeddingSize], scalars: referenceCodes) : nil
        let batch = try predictor.predictNext(contexts: contexts, actual: actual, guesses: guesses, layout: layout, options: options)
        let pixels = codec.decode(embeddings: batch.predictions.scalars, frameCount: count, asChangesTo: references.flatMap { $0 },
                                  referenceEmbeddings: referenceCodes)
        return (batch, pixels)
    }

    /// Predicts `horizon` frames one after another from pixel frames and their embeddings, each
    /// prediction (as pixels and re-encoded) joining the context. Every step's guess carries the
    /// motion measured between the last two real frames onto the previous prediction, as the
    /// motion baseline's rollout does: predictions are smoother than frames, and motion measured
    /// between them is weaker.
    /// Each step's prediction, its pixels, and the frame it was drawn as a change to.
    public func rollout(frames: [[UInt8]], embeddings: [[Float]], horizon: Int, options: PredictionOptions) throws
        -> [(prediction: FramePrediction, pixels: [UInt8], reference: [UInt8])] {
        try rollout(frames: frames, embeddings: embeddings, field: rolloutField(frames: frames), horizon: horizon, options: options)
    }

    /// The same along `field`, the `rolloutField` of `frames` that the caller also needs.
    func rollout(frames: [[UInt8]], embeddings: [[Float]], field: SubpixelField?, horizon: Int, options: PredictionOptions) throws
        -> [(prediction: FramePrediction, pixels: [UInt8], reference: [UInt8])] {
        var (latest, codes) = (frames[frames.count - 1], embeddings)
        var results: [(prediction: FramePrediction, pixels: [UInt8], reference: [UInt8])] = []
        for _ in 0..<horizon {
            let reference = field.map { SubpixelMotion.apply($0, to: latest) } ?? latest
            let referenceCodes = codec.encode(rgb: reference, frameCount: 1)
            let next = try predictor.predictNext(after: codes, layout: layout, guess: usesGuesses ? referenceCodes : nil, options: options)
            let picture = codec.decode(embeddings: next.embedding, frameCount: 1, asChangesTo: reference, referenceEmbeddings: referenceCodes)
            results.append((next, picture, reference))
            latest = picture
            codes.append(codec.encode(rgb: picture, frameCount: 1))
        }
        return results
    }

    /// The motion every step of a rollout after `frames` carries on: the field between the last
    /// two, or nil when the model does not start from motion or only one frame was seen.
    public func rolloutField(frames: [[UInt8]]) -> SubpixelField? {
        guard usesGuesses && frames.count >= 2 else { return nil }
        return SubpixelMotion.estimate(previous: frames[frames.count - 2], last: frames[frames.count - 1],
                                       width: codec.grid.frameWidth, height: codec.grid.frameHeight)
    }
}
