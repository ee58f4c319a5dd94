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
    /// `guess` is the first guess for the next frame (`ThinkingStart.motion`), if the model uses one.
    /// Throws `NonFiniteOutput` when the context, the guess or anything predicted is not finite.
    public func predictNext(after frames: [[Float]], layout: PatchLayout? = nil, guess: [Float]? = nil,
                            options: PredictionOptions) throws -> FramePrediction {
        precondition(!frames.isEmpty, "prediction needs at least one context frame")
        let recent = Array(frames.suffix(config.context))
        try NonFiniteOutput.check(recent.joined(), "encoding of the context")
        try NonFiniteOutput.check(guess ?? [], "encoding of the first guess")
        let layout = layout ?? config.trainingLayout, e = recent[0].count
        let context = Tensor(shape: [1, recent.count, e], scalars: recent.flatMap { $0 })
        let guesses = guess.map { Tensor(shape: [1, 1, e], scalars: $0) }
        switch network {
        case .baseline(let model):
            let next = withoutGradient {
                model(context, layout: layout, guesses: guesses.map { concat([context.sliced(axis: 1, 1..<recent.count), $0], axis: 1) })
                    .sliced(axis: 1, (recent.count - 1)..<recent.count)
            }
            return try FramePrediction(embedding: next.scalars, energyTrace: [], patchEnergies: [], patchSpread: []).checkedFinite()
        case .ebt(let model):
            return try think(model, context: context, layout: layout,
                             guesses: guesses.map { FirstGuesses(positions: [recent.count], values: $0) }, options: options).checkedFinite()
        }
    }

    /// The energy the model gives to a *known* next frame: high when the frame surprises it.
    public func energy(of candidate: [Float], after frames: [[Float]], layout: PatchLayout? = nil,
                       guess: [Float]? = nil) throws -> (energy: Float, patchEnergies: [Float])? {
        guard case .ebt(let model) = network else { return nil }
        let recent = Array(frames.suffix(config.context))
        try NonFiniteOutput.check(recent.joined() + candidate + (guess ?? []), "encoding of the frames")
        let layout = layout ?? config.trainingLayout, e = candidate.count
        let context = Tensor(shape: [1, recent.count, e], scalars: recent.flatMap { $0 })
        let terms = withParametersFrozen {
            withoutGradient {
                model.patchEnergies(Tensor(shape: [1, 1, e], scalars: candidate), at: [recent.count],
                                    context: model.observe(context, layout: layout, guesses: guess.map {
                                        FirstGuesses(positions: [recent.count], values: Tensor(shape: [1, 1, e], scalars: $0))
                                    })).scalars
            }
        }
        try NonFiniteOutput.check(terms, "per-patch energy")
        let total = terms.reduce(0, +)
        try NonFiniteOutput.check([total], "energy")
        return (total, terms)
    }

    func think(_ model: EnergyModel, context frames: Tensor, layout: PatchLayout, guesses: FirstGuesses?,
               options: PredictionOptions) -> FramePrediction {
        let e = frames.shape[2], patches = layout.patches, k = e / patches
        let thought = thinkBatch(model, contexts: frames, guesses: guesses?.values, actual: nil, layout: layout, options: options)
        var spread: [Float] = []
        let count = thought.sampleEnergies.count
        if count > 1 {
            let samples = thought.samplePredictions.scalars
            spread = (0..<patches).map { p in
                var total: Float = 0
                for j in 0..<k {
                    let values = (0..<count).map { samples[$0 * e + p * k + j] }
                    let mean = values.reduce(0, +) / Float(count)
                    total += values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(count)
                }
                return (total / Float(k)).squareRoot()
            }
        }
        var result = FramePrediction(embedding: thought.batch.predictions.scalars, energyTrace: thought.traces[0],
                                     patchEnergies: thought.batch.patchEnergies, patchSpread: spread)
        result.patchShift = thought.batch.patchShifts
        return result
    }

    /// What `thinkBatch` found: the chosen predictions, each row's energy after every step, and
    /// every sample's prediction and final energy.
    struct BatchThought {
        var batch: BatchPrediction
        var traces: [[Float]]
        /// [count, samples, embedding] and [count × samples].
        var samplePredictions: Tensor
        var sampleEnergies: [Float]
    }

    /// Thinks about the next frame of every context of `contexts` [count, length, embedding],
    /// from `options.samples` starting points each, and keeps each row's lowest final energy.
    ///
    /// System 2: the samples after the first start from the other guesses that need no network,
    /// the last frame and the constant-velocity extrapolation, then from the first start with
    /// noise. Distinct guesses give the energy real alternatives to choose between, where noise
    /// around one start only ever descended back to it.
    func thinkBatch(_ model: EnergyModel, contexts: Tensor, guesses: Tensor?, actual: Tensor?, layout: PatchLayout,
                    options: PredictionOptions) -> BatchThought {
        let (count, length, e) = (contexts.shape[0], contexts.shape[1], contexts.shape[2])
        let samples = Swift.max(options.samples, 1), patches = layout.patches
        var generator = SeededGenerator(seed: options.seed)
        let start = options.start ?? config.start
        // Every core thinks about a band of the grid (`PatchBands`); the bands share the frames.
        let firstGuesses = guesses.map { FirstGuesses(positions: [length], values: $0.reshaped([count, 1, e])) }
        let bands = withoutGradient {
            PatchBands.concurrentMap(PatchBands.automatic(layout, batch: count * samples)) { band in
                model.observe(contexts, layout: layout, guesses: firstGuesses, band: band)
            }
        }
        let context = bands[0]
        let thinker = Thinker(model: model)
        let own = thinker.initialCandidates(start, positions: [length], context: context, using: &generator)
        var starts = [own]
        for alternative in [ThinkingStart.lastFrame, .linear] where alternative != start && starts.count < samples {
            starts.append(thinker.initialCandidates(alternative, positions: [length], context: context, using: &generator))
        }
        while starts.count < samples {
            starts.append(own + Tensor.randn(own.shape, std: options.sampleNoise, using: &generator))
        }
        // Samples share one context: they are candidates for the same frame, which attend to the
        // observed frames and to themselves only, so they need no copies of the observed stream.
        let positions = [Int](repeating: length, count: samples)
        let thought = thinker.infer(from: concat(starts, axis: 1), at: positions, bands: bands,
                                    options: ThinkingOptions(steps: options.thinkingSteps, start: start, tolerance: options.tolerance))
        let finals = thought.energies.last!.scalars
        let best = (0..<count).map { row in (0..<samples).min { finals[row * samples + $0] < finals[row * samples + $1] }! }
        let all = thought.prediction.detached().scalars, allPatches = thought.patchEnergies.last!.scalars
        var chosen: [Float] = [], chosenPatches: [Float] = []
        chosen.reserveCapacity(count * e)
        for (row, sample) in best.enumerated() {
            let n = row * samples + sample
            chosen += all[(n * e)..<((n + 1) * e)]
            chosenPatches += allPatches[(n * patches)..<((n + 1) * patches)]
        }
        let surprise = actual.map { frames in
            withParametersFrozen {
                withoutGradient {
                    concat(PatchBands.concurrentMap(bands) { model.patchEnergies(frames.reshaped([count, 1, e]), at: [length], context: $0) },
                           axis: 2).scalars
                }
            }
        } ?? []
        var batch = BatchPrediction(predictions: Tensor(shape: [count, e], scalars: chosen),
                                    energies: Self.frameTotals(chosenPatches, patches: patches),
                                    surpriseEnergies: Self.frameTotals(surprise, patches: patches))
        batch.patchEnergies = chosenPatches
        batch.surprisePatchEnergies = surprise
        batch.chosenSamples = best
        let lastFrames = withoutGradient { contexts.sliced(axis: 1, (length - 1)..<length) }.scalars
        batch.patchShifts = Self.patchShifts(chosen, last: lastFrames, patches: patches, embeddingSize: e)
        let energies = thought.energies.map(\.scalars)
        return BatchThought(batch: batch, traces: best.enumerated().map { row, sample in energies.map { $0[row * samples + sample] } },
                            samplePredictions: thought.prediction.detached().reshaped([count, samples, e]), sampleEnergies: finals)
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
    /// Which sample each prediction is (0: the model's own start; see `thinkBatch`).
    public var chosenSamples: [Int] = []
    /// [count, samples, embedding]: every sample's prediction, when more than one was thought about.
    public var samplePredictions: Tensor?
}

extension Predictor {
    /// Predicts the frame after each context in `contexts` [count, length, embedding]; with `actual`
    /// [count, embedding], also scores the frames that really came next.
    /// `guesses` [count, embedding] are the first guesses for those frames, if the model uses them.
    /// Throws `NonFiniteOutput` when an input or anything predicted is not finite.
    public func predictNext(contexts: Tensor, actual: Tensor?, guesses: Tensor? = nil, layout: PatchLayout? = nil,
                            options: PredictionOptions) throws -> BatchPrediction {
        let (count, length, e) = (contexts.shape[0], contexts.shape[1], contexts.shape[2])
        try NonFiniteOutput.check(contexts.scalars, "encoding of the context")
        try NonFiniteOutput.check(actual?.scalars ?? [], "encoding of the actual frames")
        try NonFiniteOutput.check(guesses?.scalars ?? [], "encoding of the first guesses")
        let layout = layout ?? config.trainingLayout
        let guessed = guesses?.reshaped([count, 1, e])
        switch network {
        case .baseline(let model):
            let next = withoutGradient {
                model(contexts, layout: layout, guesses: guessed.map { concat([contexts.sliced(axis: 1, 1..<length), $0], axis: 1) })
                    .sliced(axis: 1, (length - 1)..<length).reshaped([count, e])
            }
            return try BatchPrediction(predictions: next, energies: [], surpriseEnergies: []).checkedFinite()
        case .ebt(let model):
            let thought = thinkBatch(model, contexts: contexts, guesses: guesses, actual: actual, layout: layout, options: options)
            var batch = thought.batch
            if options.samples > 1 { batch.samplePredictions = thought.samplePredictions }
            return try batch.checkedFinite()
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
