import Foundation
import Tensors

/// Knobs of the EBT's training recipe (see "The EBT, precisely" in DESIGN.md).
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var thinkingSteps: Int
    public var truncated: Bool
    public var start: ThinkingStart
    /// Weight of the loss pulling each per-patch energy term toward half that patch's actual
    /// squared error (the scale of the energy's bowl term). Reconstruction alone shapes only the energy's slope; the trial in DESIGN.md saw the
    /// level come out anti-correlated with error. This makes the level an error estimate.
    public var calibrationWeight: Float
    /// Weight of the landscape loss, which centres the bowl on the real frame as seen from every
    /// point thinking visits (see `trainingLoss`): what lets the energy of a real frame measure
    /// surprise, and longer thinking settle instead of overshooting.
    public var landscapeWeight: Float
    public var smoothL1Beta: Float

    public init(thinkingSteps: Int = 2, truncated: Bool = false, start: ThinkingStart = .lastFrame, calibrationWeight: Float = 1,
                landscapeWeight: Float = 1, smoothL1Beta: Float = 1) {
        self.thinkingSteps = thinkingSteps
        self.truncated = truncated
        self.start = start
        self.calibrationWeight = calibrationWeight
        self.landscapeWeight = landscapeWeight
        self.smoothL1Beta = smoothL1Beta
    }
}

/// What one training batch measured, for the progress line and the training log.
public struct TrainingStats: Sendable {
    public var loss: Float = 0
    /// Reconstruction loss after the first and after the last thinking step.
    public var firstStepLoss: Float = 0
    public var lastStepLoss: Float = 0
    public var calibrationLoss: Float = 0
    public var landscapeLoss: Float = 0
    /// Mean candidate energy at the first evaluated step minus at the last: positive when thinking descends.
    public var energyGap: Float = 0
    public var stepSize: Float = 0
    public var gradientNorm: Float = 0
    /// Seconds the step's all-reduce took when the batch is spread over processes (else 0).
    public var allReduceSeconds: Double = 0

    public init() {}

    /// The statistics of a batch from those of its shards, weighted by their share of it.
    static func weighted(_ parts: [TrainingStats], _ weights: [Float]) -> TrainingStats {
        var total = TrainingStats()
        for (part, weight) in zip(parts, weights) {
            total.loss += part.loss * weight
            total.firstStepLoss += part.firstStepLoss * weight
            total.lastStepLoss += part.lastStepLoss * weight
            total.calibrationLoss += part.calibrationLoss * weight
            total.landscapeLoss += part.landscapeLoss * weight
            total.energyGap += part.energyGap * weight
        }
        total.stepSize = parts[0].stepSize
        return total
    }
}

/// A model that can be trained on windows of context + 1 frame embeddings.
public protocol TrainableModel: Layer {
    var config: ModelConfig { get }
    /// The loss on windows [batch, seq + 1, embedding] (frames 1...seq are predicted from the ones
    /// before) of the model's training grid; `guesses` (same shape, or nil) holds at index q the
    /// first guess for frame q that a `.motion` start begins from.
    func trainingLoss(_ windows: Tensor, guesses: Tensor?, options: TrainingOptions,
                      using generator: inout SeededGenerator) -> (loss: Tensor, stats: TrainingStats)
}

extension EnergyModel: TrainableModel {
    public func trainingLoss(_ windows: Tensor, guesses: Tensor?, options: TrainingOptions,
                             using generator: inout SeededGenerator) -> (loss: Tensor, stats: TrainingStats) {
        let length = windows.shape[1] - 1
        let observed = windows.sliced(axis: 1, 0..<length), targets = windows.sliced(axis: 1, 1..<(length + 1))
        let positions = Array(1...length)
        let context = observe(observed, guesses: guesses.map { FirstGuesses(positions: positions, values: $0.sliced(axis: 1, 1..<(length + 1))) })
        let thinker = Thinker(model: self)
        let thinking = ThinkingOptions(steps: options.thinkingSteps, start: options.start, differentiable: true, truncated: options.truncated)
        let start = thinker.initialCandidates(options.start, positions: positions, context: context, using: &generator)
        let thought = thinker.think(from: start, at: positions, context: context, options: thinking, finalEnergy: false)

        let stepLosses = thought.candidates.dropFirst().map { smoothL1Loss($0, targets, beta: options.smoothL1Beta) }
        let reconstruction = stepLosses.dropFirst().reduce(stepLosses[0], +) / Float(stepLosses.count)
        let energies = thought.energies
        var stats = TrainingStats()
        stats.firstStepLoss = stepLosses[0].item
        stats.lastStepLoss = stepLosses[stepLosses.count - 1].item
        stats.energyGap = energies[0].mean().item - energies[energies.count - 1].mean().item
        stats.stepSize = stepSize.item
        // With both weights zero this is the reference recipe, thinking loss only: skip the pass.
        if options.landscapeWeight == 0 && options.calibrationWeight == 0 {
            stats.loss = reconstruction.item
            return (reconstruction, stats)
        }
        // Landscape: the bowl's centre seen from a point p, p − Δ(x, p) = a + r(x, p), is pulled
        // toward the real frame at the points thinking evaluated (ŷ⁰ … ŷᴷ⁻¹, already in its graph,
        // so they cost a few elementwise ops) and at one neighbour of the prediction, ŷᴷ + σε with
        // σ the RMS error (one first-order pass). Its mean given the context is then E[y|x]: the
        // bowl is centred on the best guess, longer thinking settles there, and ½‖Δ(x, y)‖², the
        // bowl at the real frame, is how far reality landed from it: the surprise. At ŷ⁰ (the last
        // frame) the target is the baseline's own residual, a first-order signal from the start.
        // This replaced a pass of its own at ŷᴷ and the neighbour: 7% more steps in 40 minutes for
        // as good a model (MODEL.md). The neighbour is what keeps thinking past the trained steps
        // settling: with ŷᴷ in its place, four steps were 2.6% worse than two after 40 minutes,
        // 1.6% with it. (A point at the truth itself, tried first, told Δ(x, y) to be y − ŷ: a
        // target that fights the one at ŷ while ŷ is still poor.) Calibration: the level at the
        // same neighbour learns the squared error there that the bowl there does not explain, so
        // the final energy ranks errors. It reads constants of the context only, so it needs no
        // pass of its own. Predictions never depend on it.
        let truth = targets.detached(), final = thought.prediction.detached()
        let errorScale = withoutGradient { mseLoss(final, truth).item }.squareRoot()
        let neighbour = final + Tensor.randn(final.shape, std: Swift.max(errorScale, 1e-4), using: &generator)
        let state = states(neighbour, at: positions, context: context)
        let neighbourCorrection = corrections(neighbour, states: state, at: positions, context: context)
        let points = Array(thought.candidates.prefix(thought.corrections.count)) + [neighbour]
        let landscapeTerms = zip(points, thought.corrections + [neighbourCorrection]).map { mseLoss($0 - $1, truth) }
        let landscapeLoss = landscapeTerms.dropFirst().reduce(landscapeTerms[0], +) / Float(landscapeTerms.count)
        let patches = config.patchCount, perValue = 1 / Float(config.embeddingSize / patches)
        let error = withoutGradient {
            square(neighbour - truth).reshaped([final.shape[0], length, patches, config.embeddingSize / patches]).sum(axis: -1) * 0.5
        }
        let level = level(levelFeatures(at: positions, context: context))
        // Compared per embedding value, so the weight means the same whatever the patch size.
        let calibrationLoss = mseLoss((level + bowl(of: neighbourCorrection).detached()) * perValue, error * perValue)
        let loss = reconstruction + calibrationLoss * options.calibrationWeight + landscapeLoss * options.landscapeWeight

        stats.loss = loss.item
        stats.calibrationLoss = calibrationLoss.item
        stats.landscapeLoss = landscapeLoss.item
        return (loss, stats)
    }
}

extension BaselineModel: TrainableModel {
    public func trainingLoss(_ windows: Tensor, guesses: Tensor?, options: TrainingOptions,
                             using generator: inout SeededGenerator) -> (loss: Tensor, stats: TrainingStats) {
        let length = windows.shape[1] - 1
        let prediction = self(windows.sliced(axis: 1, 0..<length), guesses: guesses?.sliced(axis: 1, 1..<(length + 1)))
        let loss = smoothL1Loss(prediction, windows.sliced(axis: 1, 1..<(length + 1)), beta: options.smoothL1Beta)
        var stats = TrainingStats()
        stats.loss = loss.item
        stats.firstStepLoss = stats.loss
        stats.lastStepLoss = stats.loss
        return (loss, stats)
    }
}

/// One optimiser step at a time: loss, gradients with respect to every parameter, AdamW.
public struct Trainer<Model: TrainableModel> {
    public var model: Model
    public var optimizer: AdamW
    public var options: TrainingOptions
    public var generator: SeededGenerator
    /// Parts of this process's share of each batch run side by side (see `step`); 1 runs it
    /// whole, with every op split over the cores instead, unless `serial`.
    public var shards = 2
    /// Run even a single part on one core (`train --threads 1`).
    public var serial = false
    /// The processes the batch is spread over; their gradients are added in one all-reduce.
    public var group = ProcessGroup.single

    public init(model: Model, optimizer: AdamW, options: TrainingOptions, seed: UInt64) {
        self.model = model
        self.optimizer = optimizer
        self.options = options
        generator = SeededGenerator(seed: seed)
    }

    /// The parts a batch of `batch` windows is cut into over every process: `shards` per process,
    /// and alone at most one per window.
    public func parts(batch: Int) -> Int {
        group.size == 1 ? Swift.max(1, Swift.min(shards, batch)) : shards * group.size
    }

    /// Trains on one batch of windows [batch, seq + 1, embedding], the same on every process of
    /// `group`, cut into `parts(batch:)` parts of nearly equal size, each with its own random
    /// stream; process r runs parts r·shards ..< (r + 1)·shards side by side (`dataParallel`). The
    /// gradients are summed weighted by each part's share of the batch (a process with fewer
    /// windows weighs less when the parts do not divide the batch evenly), so the sum is the whole
    /// batch's mean gradient. A batch-level statistic inside the loss (the landscape neighbour's
    /// scale, the RMS error) is therefore the part's. The cut depends only on the part count, so
    /// the same seed and part count give the same model on any machine and over any processes
    /// that make that count: one process with `shards` 4 steps like two with 2 each, to rounding.
    ///
    /// `shared` are values of the caller's, summed over the processes in the same all-reduce as
    /// the gradients (their stop requests and clocks), so that all decide alike.
    public mutating func step(_ windows: Tensor, guesses: Tensor? = nil, shared: inout [Float]) -> TrainingStats {
        let batch = windows.shape[0], parts = parts(batch: batch)
        precondition(batch >= parts, "a batch of \(batch) windows cut into \(parts) parts")
        let seeds = (0..<parts).map { _ in generator.next() }
        let bounds = (0...parts).map { $0 * batch / parts }
        let weights = (0..<parts).map { Float(bounds[$0 + 1] - bounds[$0]) / Float(batch) }
        let mine = Array((parts / group.size * group.rank)..<(parts / group.size * (group.rank + 1)))
        let (model, options) = (self.model, self.options)
        var results = [(gradients: [Tensor], stats: TrainingStats)?](repeating: nil, count: mine.count)
        results.withUnsafeMutableBufferPointer { slots in
            dataParallel(mine.count, serial: serial) { slot in
                let part = mine[slot]
                var stream = SeededGenerator(seed: seeds[part])
                let whole = parts == 1
                let windowPart = whole ? windows : windows.sliced(axis: 0, bounds[part]..<bounds[part + 1])
                let guessPart = whole ? guesses : guesses?.sliced(axis: 0, bounds[part]..<bounds[part + 1])
                let (loss, stats) = model.trainingLoss(windowPart, guesses: guessPart, options: options, using: &stream)
                slots[slot] = (grad(of: loss, wrt: model.parameters), stats)
            }
        }
        let myWeights = mine.map { weights[$0] }
        var gradients = results[0]!.gradients
        var result = results[0]!.stats
        // This process's parts, each weighted by its share of the whole batch.
        if mine.count > 1 {
            result = TrainingStats.weighted(results.map { $0!.stats }, myWeights)
            let others = results.dropFirst().map { $0!.gradients }
            results = []  // so the first part's buffers are combined into without a copy
            for k in gradients.indices {
                for (index, part) in others.enumerated() {
                    gradients[k].scaleAndAdd(index == 0 ? myWeights[0] : 1, part[k], scaledBy: myWeights[index + 1])
                }
            }
        }
        if group.size > 1 {
            let scale = mine.count > 1 ? 1 : myWeights[0]
            if mine.count == 1 { result = TrainingStats.weighted([result], [scale]) }
            result = GradientExchange.allReduce(&gradients, stats: result, scale: scale, shared: &shared, over: group)
        }
        result.gradientNorm = optimizer.update(model, gradients: gradients)
        return result
    }

    /// `step` alone: nothing of the caller's to share.
    public mutating func step(_ windows: Tensor, guesses: Tensor? = nil) -> TrainingStats {
        var none: [Float] = []
        return step(windows, guesses: guesses, shared: &none)
    }
}
