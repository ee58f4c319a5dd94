import Foundation
import Tensors

/// Knobs of the EBT's training recipe (see "The EBT, precisely" in DESIGN.md).
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var thinkingSteps: Int
    /// Each batch thinks for thinkingSteps + a random 0...extraSteps steps.
    public var extraSteps: Int
    /// α is scaled by a factor drawn log-uniformly from [1/s, s] each batch.
    public var stepScaleSpread: Float
    public var langevinNoise: Float
    public var truncated: Bool
    public var start: ThinkingStart
    /// Weight of the loss pulling each per-patch energy term toward half that patch's actual
    /// squared error (the scale of the energy's bowl term). Reconstruction alone shapes only the energy's slope; the trial in DESIGN.md saw the
    /// level come out anti-correlated with error. This makes the level an error estimate.
    public var calibrationWeight: Float
    /// Weight of the landscape loss, which makes the correction Δ near the prediction point at the
    /// true frame (see `trainingLoss`): what lets the energy of a real frame measure surprise, and
    /// longer thinking settle instead of overshooting.
    public var landscapeWeight: Float
    /// Share of each window's positions (0 < share ≤ 1, at least one) the landscape and
    /// calibration pass scores, drawn afresh each batch. The pass is first-order and costs about
    /// a third of a step at share 1; a random subset keeps its loss an unbiased estimate of the
    /// whole at a fraction of the cost. But the landscape is also the first-order signal that
    /// gets thinking going: at share 0.25 (and learning rate 1e-3) the small model sat at
    /// copy-last for 1,200 steps on the default model's data where share 1 was 7% below it; at
    /// the default 5e-4 it learns but slower, 15.1% below copy-last after 5 minutes where share 1
    /// is 19.5% below, and no faster per step on two cores. So 1 stays the default.
    public var landscapeShare: Float
    public var smoothL1Beta: Float

    public init(thinkingSteps: Int = 2, extraSteps: Int = 0, stepScaleSpread: Float = 1, langevinNoise: Float = 0,
                truncated: Bool = false, start: ThinkingStart = .lastFrame, calibrationWeight: Float = 1,
                landscapeWeight: Float = 1, landscapeShare: Float = 1, smoothL1Beta: Float = 1) {
        self.thinkingSteps = thinkingSteps
        self.extraSteps = extraSteps
        self.stepScaleSpread = stepScaleSpread
        self.langevinNoise = langevinNoise
        self.truncated = truncated
        self.start = start
        self.calibrationWeight = calibrationWeight
        self.landscapeWeight = landscapeWeight
        self.landscapeShare = landscapeShare
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

/// The random choices of the recipe that a whole batch shares: how long it thinks and how the
/// step size is scaled. Drawn once per batch, so every shard of a data-parallel step agrees.
public struct BatchDraw: Sendable {
    public var thinkingSteps: Int
    public var stepScale: Float
}

extension TrainingOptions {
    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> BatchDraw {
        let spread = Foundation.log(max(stepScaleSpread, 1))
        let steps = thinkingSteps + (extraSteps > 0 ? Int.random(in: 0...extraSteps, using: &generator) : 0)
        return BatchDraw(thinkingSteps: steps, stepScale: spread > 0 ? Foundation.exp(Float.random(in: -spread...spread, using: &generator)) : 1)
    }
}

/// A model that can be trained on windows of context + 1 frame embeddings.
public protocol TrainableModel: Layer {
    var config: ModelConfig { get }
    /// The loss on windows [batch, seq + 1, embedding] (frames 1...seq are predicted from the ones before).
    func trainingLoss(_ windows: Tensor, options: TrainingOptions, draw: BatchDraw, using generator: inout SeededGenerator) -> (loss: Tensor, stats: TrainingStats)
}

extension TrainableModel {
    /// The loss with the batch's random choices drawn from `generator` first.
    public func trainingLoss(_ windows: Tensor, options: TrainingOptions, using generator: inout SeededGenerator) -> (loss: Tensor, stats: TrainingStats) {
        trainingLoss(windows, options: options, draw: options.draw(using: &generator), using: &generator)
    }
}

extension EnergyModel: TrainableModel {
    public func trainingLoss(_ windows: Tensor, options: TrainingOptions, draw: BatchDraw,
                             using generator: inout SeededGenerator) -> (loss: Tensor, stats: TrainingStats) {
        let length = windows.shape[1] - 1
        let observed = windows.sliced(axis: 1, 0..<length), targets = windows.sliced(axis: 1, 1..<(length + 1))
        let positions = Array(1...length)
        let context = observe(observed)
        let thinker = Thinker(model: self)
        let thinking = ThinkingOptions(steps: draw.thinkingSteps, start: options.start, stepScale: draw.stepScale,
                                       langevinNoise: options.langevinNoise, differentiable: true, truncated: options.truncated)
        let start = thinker.initialCandidates(options.start, positions: positions, context: context, using: &generator)
        let thought = thinker.think(from: start, at: positions, context: context, options: thinking, finalEnergy: false, using: &generator)

        let stepLosses = thought.candidates.dropFirst().map { smoothL1Loss($0, targets, beta: options.smoothL1Beta) }
        let reconstruction = stepLosses.dropFirst().reduce(stepLosses[0], +) / Float(stepLosses.count)
        // One first-order pass scores two detached points that depend on the context only: the
        // final candidate ŷ and ŷ + σε, with σ the batch's RMS error so the neighbourhood the real
        // frame lies in is covered. Landscape: Δ(x, p) is pulled toward p − y at both, whose mean
        // given the context is p − E[y|x], the exact correction: the bowl is centred on the best
        // guess, longer thinking settles there, and ½‖Δ(x, y)‖², the bowl at the real frame, is
        // how far reality landed from it, the surprise. (A point at the truth itself, tried first,
        // told Δ(x, y) to be y − ŷ: a target that fights the one at ŷ while ŷ is still poor, and
        // training stalled on mixed photo data.) Calibration: the level at ŷ learns the squared
        // error the bowl there does not explain, so the final energy ranks errors.
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
        let prediction = thought.prediction.detached(), allTruth = targets.detached()
        let errorScale = withoutGradient { mseLoss(prediction, allTruth).item }.squareRoot()
        // The pass scores a random subset of the positions (`landscapeShare`), the same for every
        // window of the shard, so it is one batched forward like the thinking steps.
        let scored = Self.landscapePositions(count: length, share: options.landscapeShare, using: &generator)
        let chosen = scored.map { positions[$0] }
        let (final, truth) = scored.count == length ? (prediction, allTruth)
            : (concat(scored.map { prediction.sliced(axis: 1, $0..<($0 + 1)) }, axis: 1),
               concat(scored.map { allTruth.sliced(axis: 1, $0..<($0 + 1)) }, axis: 1))
        let patches = config.patchCount, count = chosen.count
        let neighbour = final + Tensor.randn(final.shape, std: Swift.max(errorScale, 1e-4), using: &generator)
        let points = concat([final, neighbour], axis: 1)
        let state = states(points, at: chosen + chosen, context: context)
        let correction = corrections(points, states: state, at: chosen + chosen, context: context)
        let landscapeTarget = withoutGradient { points - concat([truth, truth], axis: 1) }
        let landscapeLoss = mseLoss(correction, landscapeTarget)
        let finalState = state.sliced(axis: 1, 0..<count)
        let bowlAtFinal = bowl(of: correction.sliced(axis: 1, 0..<count)).detached()
        let error = withoutGradient {
            square(final - truth).reshaped([final.shape[0], count, patches, config.embeddingSize / patches]).sum(axis: -1) * 0.5
        }
        // Compared per embedding value, so the weight means the same whatever the patch size.
        let perValue = 1 / Float(config.embeddingSize / patches)
        let finalFeatures = levelFeatures(at: chosen, context: context)
        let calibrationLoss = mseLoss((level(of: finalState, features: finalFeatures) + bowlAtFinal) * perValue, error * perValue)
        let loss = reconstruction + calibrationLoss * options.calibrationWeight + landscapeLoss * options.landscapeWeight

        stats.loss = loss.item
        stats.calibrationLoss = calibrationLoss.item
        stats.landscapeLoss = landscapeLoss.item
        return (loss, stats)
    }
}

extension EnergyModel {
    /// Indices into a window's `count` positions for the landscape pass: `share` of them (at
    /// least one), drawn without replacement, in order; all of them, drawing nothing, at share 1.
    static func landscapePositions(count: Int, share: Float, using generator: inout SeededGenerator) -> [Int] {
        let wanted = Swift.min(count, Swift.max(1, Int((Float(count) * share).rounded())))
        if wanted == count { return Array(0..<count) }
        var indices = Array(0..<count)
        for i in 0..<wanted { indices.swapAt(i, Int.random(in: i..<count, using: &generator)) }
        return indices.prefix(wanted).sorted()
    }
}

extension BaselineModel: TrainableModel {
    public func trainingLoss(_ windows: Tensor, options: TrainingOptions, draw: BatchDraw,
                             using generator: inout SeededGenerator) -> (loss: Tensor, stats: TrainingStats) {
        let length = windows.shape[1] - 1
        let prediction = self(windows.sliced(axis: 1, 0..<length))
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
    /// Parts each batch is split into and run side by side (see `step`); 1 runs it whole, with
    /// every op split over the cores instead.
    public var shards = 2

    public init(model: Model, optimizer: AdamW, options: TrainingOptions, seed: UInt64) {
        self.model = model
        self.optimizer = optimizer
        self.options = options
        generator = SeededGenerator(seed: seed)
    }

    /// Trains on one batch of windows [batch, seq + 1, embedding], as `shards` parts of the batch
    /// run side by side (`dataParallel`), each with its own random stream; their gradients are
    /// summed, weighted by size. A batch-level statistic inside the loss (the landscape
    /// neighbour's scale, the RMS error) is therefore the shard's. The split does not depend on
    /// the machine, so the same seed gives the same model everywhere.
    public mutating func step(_ windows: Tensor) -> TrainingStats {
        let batch = windows.shape[0], shards = Swift.max(1, Swift.min(self.shards, batch))
        let draw = options.draw(using: &generator)
        let seeds = (0..<shards).map { _ in generator.next() }
        let bounds = (0...shards).map { $0 * batch / shards }
        let (model, options) = (self.model, self.options)
        var results = [(gradients: [Tensor], stats: TrainingStats)?](repeating: nil, count: shards)
        results.withUnsafeMutableBufferPointer { slots in
            dataParallel(shards) { shard in
                var stream = SeededGenerator(seed: seeds[shard])
                let part = shards == 1 ? windows : windows.sliced(axis: 0, bounds[shard]..<bounds[shard + 1])
                let (loss, stats) = model.trainingLoss(part, options: options, draw: draw, using: &stream)
                slots[shard] = (grad(of: loss, wrt: model.parameters), stats)
            }
        }
        let weights = (0..<shards).map { Float(bounds[$0 + 1] - bounds[$0]) / Float(batch) }
        var gradients = results[0]!.gradients
        var result = results[0]!.stats
        if shards > 1 {
            result = TrainingStats.weighted(results.map { $0!.stats }, weights)
            let others = results.dropFirst().map { $0!.gradients }
            results = []  // so the first shard's buffers are combined into without a copy
            for k in gradients.indices {
                for (shard, part) in others.enumerated() {
                    gradients[k].scaleAndAdd(shard == 0 ? weights[0] : 1, part[k], scaledBy: weights[shard + 1])
                }
            }
        }
        result.gradientNorm = optimizer.update(model, gradients: gradients)
        return result
    }
}
