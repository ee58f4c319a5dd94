import Tensors

/// How inference thinks.
public struct PredictionOptions: Sendable {
    /// Thinking steps; may exceed what the model was trained with.
    public var thinkingSteps: Int
    /// Candidates thought about in parallel; the one with the lowest final energy wins
    /// (the model verifying its own guesses). The first always starts from `start`.
    public var samples: Int
    /// Standard deviation of the noise added to the other samples' starting points.
    public var sampleNoise: Float
    /// Stop once a step lowers the energy by less than this fraction; nil = always all steps.
    public var tolerance: Float?
    /// Where thinking starts; nil = where the model was trained to start (`ModelConfig.start`).
    public var start: ThinkingStart?
    public var seed: UInt64

    public init(thinkingSteps: Int, samples: Int = 1, sampleNoise: Float = 0.3, tolerance: Float? = nil,
                start: ThinkingStart? = nil, seed: UInt64 = 0) {
        self.thinkingSteps = thinkingSteps
        self.samples = samples
        self.sampleNoise = sampleNoise
        self.tolerance = tolerance
        self.start = start
        self.seed = seed
    }
}

/// One predicted frame and what the model thinks of it.
public struct FramePrediction: Sendable {
    /// The predicted embedding (embeddingSize values).
    public var embedding: [Float]
    /// Energy after each thinking step, from the starting point to the result (empty for the baseline).
    public var energyTrace: [Float]
    /// Per-patch energy terms at the result: where the model is unsure (empty for the baseline).
    public var patchEnergies: [Float]
    /// Standard deviation across samples of each patch's embedding (empty with one sample).
    public var patchSpread: [Float]
    /// How far thinking moved each patch from the last observed frame (see `Predictor.patchShifts`):
    /// where the model expects change (empty for the baseline).
    public var patchShift: [Float] = []
    /// The final energy: the model's uncertainty about this frame (nil for the baseline).
    public var energy: Float? { energyTrace.last }
}

/// Predicts the next frame from a context of embeddings, with either kind of model.
public struct Predictor {
    public let network: ModelFile.Network

    public init(network: ModelFile.Network) {
        self.network = network
    }

    public var config: ModelConfig { network.config }

    /// The next frame after `frames` ([count, patches·components] values, oldest first; only the
    /// last `config.context` are used) laid out in `layout` (nil: the grid the model was trained on).
    public func predictNext(after frames: [[Float]], layout: PatchLayout? = nil, options: PredictionOptions) -> FramePrediction {
        precondition(!frames.isEmpty, "prediction needs at least one context frame")
        let recent = Array(frames.suffix(config.context))
        let layout = layout ?? config.trainingLayout, e = recent[0].count
        let context = Tensor(shape: [1, recent.count, e], scalars: recent.flatMap { $0 })
        switch network {
        case .baseline(let model):
            let next = withoutGradient { model(context, layout: layout).sliced(axis: 1, (recent.count - 1)..<recent.count) }
            return FramePrediction(embedding: next.scalars, energyTrace: [], patchEnergies: [], patchSpread: [])
        case .ebt(let model):
            return think(model, context: context, layout: layout, options: options)
        }
    }

    /// The energy the model gives to a *known* next frame: high when the frame surprises it.
    public func energy(of candidate: [Float], after frames: [[Float]], layout: PatchLayout? = nil) -> (energy: Float, patchEnergies: [Float])? {
        guard case .ebt(let model) = network else { return nil }
        let recent = Array(frames.suffix(config.context))
        let layout = layout ?? config.trainingLayout, e = candidate.count
        let context = Tensor(shape: [1, recent.count, e], scalars: recent.flatMap { $0 })
        let terms = withParametersFrozen {
            withoutGradient {
                model.patchEnergies(Tensor(shape: [1, 1, e], scalars: candidate), at: [recent.count],
                                    context: model.observe(context, layout: layout)).scalars
            }
        }
        return (terms.reduce(0, +), terms)
    }

    func think(_ model: EnergyModel, context frames: Tensor, layout: PatchLayout, options: PredictionOptions) -> FramePrediction {
        let count = max(options.samples, 1), e = frames.shape[2], position = frames.shape[1]
        var generator = SeededGenerator(seed: options.seed)
        let context = withoutGradient { model.observe(frames, layout: layout) }
        let thinker = Thinker(model: model)
        let positions = [Int](repeating: position, count: count)
        // Samples share one context: they are candidates for the same frame, which attend to the
        // observed frames and to themselves only, so they need no copies of the observed stream.
        var start = thinker.initialCandidates(options.start ?? config.start, positions: positions, context: context, using: &generator)
        if count > 1 {
            var noise = Tensor.randn([1, count, e], std: options.sampleNoise, using: &generator).scalars
            for i in 0..<e { noise[i] = 0 }
            start = start + Tensor(shape: [1, count, e], scalars: noise)
        }
        let thinking = ThinkingOptions(steps: options.thinkingSteps, start: options.start ?? config.start, tolerance: options.tolerance)
        let thought = thinker.infer(from: start, at: positions, context: context, options: thinking)
        let finalEnergies = thought.energies.last!.scalars
        let best = finalEnergies.indices.min { finalEnergies[$0] < finalEnergies[$1] }!
        let prediction = thought.prediction.detached().scalars
        let patches = layout.patches, k = e / patches
        var spread: [Float] = []
        if count > 1 {
            spread = (0..<patches).map { p in
                var total: Float = 0
                for j in 0..<k {
                    let values = (0..<count).map { prediction[$0 * e + p * k + j] }
                    let mean = values.reduce(0, +) / Float(count)
                    total += values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(count)
                }
                return (total / Float(k)).squareRoot()
            }
        }
        let patchTerms = thought.patchEnergies.last!.scalars
        let embedding = Array(prediction[(best * e)..<((best + 1) * e)])
        var result = FramePrediction(
            embedding: embedding,
            energyTrace: thought.energies.map { $0.scalars[best] },
            patchEnergies: Array(patchTerms[(best * patches)..<((best + 1) * patches)]),
            patchSpread: spread)
        result.patchShift = Self.patchShifts(embedding, last: frames.sliced(axis: 1, (position - 1)..<position).scalars, patches: patches, embeddingSize: e)
        return result
    }

    /// Predicts `horizon` frames one after another, each prediction joining the context.
    public func rollout(after frames: [[Float]], layout: PatchLayout? = nil, horizon: Int, options: PredictionOptions) -> [FramePrediction] {
        var context = frames
        var predictions: [FramePrediction] = []
        for _ in 0..<horizon {
            let next = predictNext(after: context, layout: layout, options: options)
            predictions.append(next)
            context.append(next.embedding)
        }
        return predictions
    }
}

/// Many independent one-step predictions at once, for evaluation.
public struct BatchPrediction {
    /// [count, embedding] predicted next frames.
    public var predictions: Tensor
    /// Final energy of each prediction (empty for the baseline).
    public var energies: [Float]
    /// The energy each *actual* next frame gets (empty for the baseline or without actual frames).
    public var surpriseEnergies: [Float]
    /// Per-patch energies [count × patches] at each prediction: where the model is unsure.
    public var patchEnergies: [Float] = []
    /// Per-patch energies [count × patches] of each actual frame: where reality surprised it.
    public var surprisePatchEnergies: [Float] = []
    /// Per-patch shifts [count × patches] of each prediction from its last context frame
    /// (see `Predictor.patchShifts`): where the model expects change.
    public var patchShifts: [Float] = []
}

extension Predictor {
    /// Predicts the frame after each context in `contexts` [count, length, embedding]; with `actual`
    /// [count, embedding], also scores the frames that really came next.
    public func predictNext(contexts: Tensor, actual: Tensor?, layout: PatchLayout? = nil, options: PredictionOptions) -> BatchPrediction {
        let (count, length, e) = (contexts.shape[0], contexts.shape[1], contexts.shape[2])
        let layout = layout ?? config.trainingLayout
        switch network {
        case .baseline(let model):
            let next = withoutGradient { model(contexts, layout: layout).sliced(axis: 1, (length - 1)..<length).reshaped([count, e]) }
            return BatchPrediction(predictions: next, energies: [], surpriseEnergies: [])
        case .ebt(let model):
            var generator = SeededGenerator(seed: options.seed)
            let context = withoutGradient { model.observe(contexts, layout: layout) }
            let thinker = Thinker(model: model)
            let start = thinker.initialCandidates(options.start ?? config.start, positions: [length], context: context, using: &generator)
            let thought = thinker.infer(from: start, at: [length], context: context,
                                        options: ThinkingOptions(steps: options.thinkingSteps, start: options.start ?? config.start,
                                                                 tolerance: options.tolerance))
            let surprise = actual.map { frames in
                withParametersFrozen { withoutGradient { model.patchEnergies(frames.reshaped([count, 1, e]), at: [length], context: context).scalars } }
            } ?? []
            let patchEnergies = thought.patchEnergies.last!
            var result = BatchPrediction(predictions: thought.prediction.detached().reshaped([count, e]),
                                         energies: patchEnergies.sum(axis: -1).scalars,
                                         surpriseEnergies: Self.frameTotals(surprise, patches: layout.patches))
            result.patchEnergies = patchEnergies.scalars
            result.surprisePatchEnergies = surprise
            let lastFrames = withoutGradient { contexts.sliced(axis: 1, (length - 1)..<length) }.scalars
            result.patchShifts = Self.patchShifts(result.predictions.scalars, last: lastFrames, patches: layout.patches, embeddingSize: e)
            return result
        }
    }
}

extension Predictor {
    /// Each patch's root-mean-square move from the last observed frame to the prediction, for
    /// frames laid out one after another in `predictions` and `last` (embedding values each).
    /// Thinking starts at the last frame, so this is the energy's gradient summed along the
    /// descent: how hard the model had to push each patch. It ranked per-patch error better than
    /// the per-patch energy until the level learned where the context moves (`LevelFeatures`);
    /// now the calibrated energy is the uncertainty map and this stays as a second view (MODEL.md).
    public static func patchShifts(_ predictions: [Float], last: [Float], patches: Int, embeddingSize: Int) -> [Float] {
        precondition(predictions.count == last.count && embeddingSize % patches == 0 && predictions.count % embeddingSize == 0)
        let k = embeddingSize / patches
        return stride(from: 0, to: predictions.count, by: k).map { start in
            var total: Float = 0
            for i in start..<(start + k) { total += (predictions[i] - last[i]) * (predictions[i] - last[i]) }
            return (total / Float(k)).squareRoot()
        }
    }

    /// Sums of consecutive runs of `patches` values: per-frame totals of per-patch energies.
    static func frameTotals(_ values: [Float], patches: Int) -> [Float] {
        stride(from: 0, to: values.count, by: patches).map { values[$0..<($0 + patches)].reduce(0, +) }
    }
}
