import Tensors
import Foundation

/// The observed stream of one context, computed once and reused by every thinking step: the
/// observed frames' activations do not depend on the candidate, so recomputing them per step (as
/// the reference implementation does) would only burn time.
public struct ObservedContext {
    /// Each block's rotated keys and values of the observed frames, [batch, seq, heads, headSize].
    public var keyValues: [KeyValues]
    /// The observed embeddings themselves, [batch, seq, patches·components].
    public var frames: Tensor
    /// The grid the frames' patches sit in.
    public var layout: PatchLayout
    /// First guesses for frames at some positions, made outside the network (`ThinkingStart.motion`).
    public var guesses: FirstGuesses?
    /// The patches whose energy terms this context scores, whole rows of the grid (`PatchBands`):
    /// all of them unless the frame is cut into bands to think on several cores. The key-values
    /// are of these patches only; the frames and guesses are whole, since a band's tokens read
    /// their neighbours across its border.
    public var band: Range<Int>
    public var length: Int { frames.shape[1] }
    public var batch: Int { frames.shape[0] }

    /// The values of `band`'s patches of whole frames [batch, count, patches·components].
    public func bandValues(_ frames: Tensor) -> Tensor {
        guard band != 0..<layout.patches else { return frames }
        let components = frames.shape[2] / layout.patches
        return frames.sliced(axis: 2, (band.lowerBound * components)..<(band.upperBound * components))
    }

    /// The observed frame just before each of `positions` (each in 1...length), [batch, count, embedding]:
    /// copy-last's guess, the anchor of the bowl.
    public func previousFrames(at positions: [Int]) -> Tensor {
        let detached = frames.detached()
        return concat(positions.map { detached.sliced(axis: 1, ($0 - 1)..<$0) }, axis: 1)
    }

    /// The bowl's anchor for candidates at `positions`, [batch, count, embedding]: the guess that
    /// needs no network, where thinking starts. The last frame; for `.linear` the constant-
    /// velocity extrapolation 2·x_{q−1} − x_{q−2} (the last frame for q = 1); for `.motion` the
    /// context's first guesses (the last frame where it has none). Noise is no guess, so a noise
    /// start keeps the last frame as anchor.
    public func anchors(at positions: [Int], for start: ThinkingStart) -> Tensor {
        let last = previousFrames(at: positions)
        switch start {
        case .linear:
            return last * 2 - previousFrames(at: positions.map { Swift.max($0 - 1, 1) })
        case .motion:
            guard let guesses else { return last }
            return concat(positions.enumerated().map { i, position in
                guard let k = guesses.positions.firstIndex(of: position) else { return last.sliced(axis: 1, i..<(i + 1)) }
                return guesses.values.detached().sliced(axis: 1, k..<(k + 1))
            }, axis: 1)
        case .lastFrame, .noise:
            return last
        }
    }
}

/// First guesses for the frames at `positions`, [batch, positions.count, embedding], made without
/// the network: a motion-compensated extrapolation of the pixels, encoded like every frame.
public struct FirstGuesses {
    public var positions: [Int]
    public var values: Tensor

    public init(positions: [Int], values: Tensor) {
        precondition(values.rank == 3 && values.shape[1] == positions.count, "guesses \(values.shape) for \(positions.count) positions")
        self.positions = positions
        self.values = values
    }
}

/// One evaluation of the energy at a set of candidates (see `EnergyModel.evaluate`).
public struct EnergyTerms {
    /// Δ(x, ŷ), [batch, count, embedding].
    public var correction: Tensor
    /// ½‖Δ‖² per patch and the level c per patch, each [batch, count, patches].
    public var bowl: Tensor
    public var level: Tensor
    public var patchEnergies: Tensor { bowl + level }

    public init(correction: Tensor, bowl: Tensor, level: Tensor) {
        self.correction = correction
        self.bowl = bowl
        self.level = level
    }

    /// The terms of a grid's bands (`PatchBands`, in order) as the whole grid's.
    public init(joining bands: [EnergyTerms]) {
        self.init(correction: concat(bands.map(\.correction), axis: 2), bowl: concat(bands.map(\.bowl), axis: 2),
                  level: concat(bands.map(\.level), axis: 2))
    }

    public func detached() -> EnergyTerms {
        EnergyTerms(correction: correction.detached(), bowl: bowl.detached(), level: level.detached())
    }
}

/// E(context, candidate): an autoregressive, continuous-state energy-based transformer over
/// patches.
///
/// Every patch position of the frame is its own sequence (`PatchTokens`): its tokens read the
/// 3x3 neighbourhood of each observed frame, and a causal transformer runs over that patch's
/// history. The same weights serve every position of any grid, so the model is local,
/// translation-equivariant and free of the frame's shape. The candidate for frame q, read the same
/// way as an observed frame (its neighbourhood, and its change from frame q−1), attends to the
/// patch's observed frames before q and to itself, never to another candidate.
///
/// From each candidate patch's final state the head reads a change r (one value per code of the
/// patch); a level c comes from how much the context says the patch is changing:
///
///     Δ_p(x, ŷ) = ŷ_p − x_last,p − r_p(x, ŷ)
///     E(x, ŷ) = Σ_p [ ½ ‖Δ_p(x, ŷ)‖² + c_p(x) ]
///
/// The bowl term is low where the model finds the candidate compatible with the context; at the
/// start of training it is centred on the last frame (so thinking starts as copy-last), and its
/// gradient is about Δ, which the reconstruction and landscape losses train first-order. The level
/// term carries what the bowl cannot: how large the remaining error is expected to be, fitted by
/// the calibration loss (and `calibrate`), so the final energy can rank errors without steering
/// the descent. Both are per patch, which is what makes the per-patch maps.
public struct EnergyModel: Layer {
    public let config: ModelConfig
    public var backbone: Backbone
    /// Added to every candidate's projection so the blocks can tell the two streams apart.
    public var candidateMarker: Tensor
    public var finalNorm: RMSNorm
    /// Δ: the correction the model would make to each embedding value.
    public var correctionHead: Linear
    /// c: each patch's energy level, a weighted sum of its `LevelFeatures` with one weight per
    /// feature shared by every patch. Zero at the start, and in model files written before it existed.
    public var levelWeights: Tensor
    /// log α: thinking's step size is exp of this, which keeps it positive without a clamp whose
    /// gradient would vanish at the boundary.
    public var logStepSize: Tensor

    public init<G: RandomNumberGenerator>(_ config: ModelConfig, using generator: inout G) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        backbone = Backbone(config, using: &generator)
        candidateMarker = Tensor.randn([config.width], std: 0.02, using: &generator).asParameter()
        finalNorm = RMSNorm(config.width)
        correctionHead = Linear(config.width, config.components, std: 0.02 / Float(config.width).squareRoot(), using: &generator)
        levelWeights = Tensor.zeros([LevelFeatures.count]).asParameter()
        logStepSize = Tensor(shape: [1], scalars: [Foundation.log(config.initialStepSize)]).asParameter()
    }

    public var stepSize: Tensor { exp(logStepSize) }

    /// Runs the observed stream of frames [batch, seq, patches·components] laid out in `layout`
    /// once; pass the result to every `patchEnergies` call for this context. With `band`, of
    /// those patches only: energies with the result are that band's terms (`PatchBands`).
    public func observe(_ frames: Tensor, layout: PatchLayout, guesses: FirstGuesses? = nil, band: Range<Int>? = nil) -> ObservedContext {
        let band = band ?? 0..<layout.patches
        let tokens = backbone.tokens(frames, layout: layout, components: config.components, band: band)
        return ObservedContext(keyValues: backbone.observe(tokens, wantsOutput: false).keyValues, frames: frames, layout: layout,
                               guesses: guesses, band: band)
    }

    /// `observe` on frames of the grid the model was trained on.
    public func observe(_ frames: Tensor, guesses: FirstGuesses? = nil) -> ObservedContext {
        observe(frames, layout: config.trainingLayout, guesses: guesses)
    }

    /// Per-patch energies [batch, count, patches] (of the context's band) of candidates [batch, count, embedding], where
    /// candidate j is a guess for frame `positions[j]` (which must lie in 1...context.length).
    public func patchEnergies(_ candidates: Tensor, at positions: [Int], context: ObservedContext) -> Tensor {
        evaluate(candidates, at: positions, context: context).patchEnergies
    }

    /// Everything one evaluation of the energy computes: the two parts of the per-patch energy,
    /// the bowl ½‖Δ‖² and the level c, and the correction Δ itself, which training reads (the
    /// bowl's centre seen from the candidate is ŷ − Δ).
    public func evaluate(_ candidates: Tensor, at positions: [Int], context: ObservedContext) -> EnergyTerms {
        let state = states(candidates, at: positions, context: context)
        let correction = corrections(candidates, states: state, at: positions, context: context)
        return EnergyTerms(correction: correction, bowl: bowl(of: correction), level: level(levelFeatures(at: positions, context: context)))
    }

    /// `LevelFeatures` for candidates at `positions`, [batch, count, patches, features] (the
    /// context's band of patches): constants of the context.
    public func levelFeatures(at positions: [Int], context: ObservedContext) -> Tensor {
        let patches = context.band.count
        let values = LevelFeatures.compute(last: context.bandValues(context.previousFrames(at: positions)).scalars,
                                           previous: context.bandValues(context.previousFrames(at: positions.map { Swift.max($0 - 1, 1) })).scalars,
                                           anchor: context.bandValues(context.anchors(at: positions, for: config.start)).scalars,
                                           embedding: patches * config.components, patches: patches)
        return Tensor(shape: [context.batch, positions.count, patches, LevelFeatures.count], scalars: values)
    }

    /// Δ(x, ŷ) = ŷ − a − r(state): how far each candidate is from the anchor a (the last frame,
    /// or its linear extrapolation for a model that starts thinking there; `ObservedContext.anchors`)
    /// plus the change r the network reads from the context and the candidate.
    ///
    /// Anchoring at the last frame (our change to the design's plain head, Δ = r) makes the bowl's
    /// centre a residual over copy-last, as in the baseline, so learning starts first-order: with
    /// Δ = r alone, ∇ŷE was quadratic in the head's weights, and training sat near zero for
    /// hundreds of steps before thinking moved at all. r still depends on the candidate through
    /// every block, so the landscape is the network's, not a fixed paraboloid. The anchor is the
    /// start: a linear start over a last-frame bowl got its early gains from a step size below 1
    /// that kept part of the start, so more thinking, walking to the bowl's centre, made it worse.
    public func corrections(_ candidates: Tensor, states: Tensor, at positions: [Int], context: ObservedContext) -> Tensor {
        context.bandValues(candidates - context.anchors(at: positions, for: config.start))
            - PatchTokens.framewise(correctionHead(states), batch: context.batch, patches: context.band.count)
    }

    /// Each candidate patch's final state [batch·patches, count, width] after the blocks and the final norm.
    public func states(_ candidates: Tensor, at positions: [Int], context: ObservedContext) -> Tensor {
        precondition(candidates.shape[1] == positions.count, "\(candidates.shape[1]) candidates for \(positions.count) positions")
        let observed = context.length
        let mask = AttentionMask.additive(rows: positions.count, columns: observed + positions.count) { row, column in
            column < observed ? column < positions[row] : column - observed == row
        }
        let tokens = backbone.tokens(candidates, previous: context.previousFrames(at: positions), layout: context.layout,
                                     components: config.components, band: context.band)
        var h = backbone.inputProjection(tokens) + candidateMarker
        for (block, prefix) in zip(backbone.blocks, context.keyValues) {
            h = block.forward(h, positions: positions, mask: mask, prefix: prefix).output
        }
        return finalNorm(h)
    }

    /// The bowl term per patch, [batch, count, patches], of corrections Δ [batch, count, embedding].
    public func bowl(of correction: Tensor) -> Tensor {
        let values = config.components, patches = correction.shape[2] / values
        return square(correction).reshaped([correction.shape[0], correction.shape[1], patches, values]).sum(axis: -1) * 0.5
    }

    /// The level term per patch, [batch, count, patches], from the patches' `levelFeatures`
    /// [batch, count, patches, features]. It depends on the context only: it must not steer
    /// thinking, and it cancels from the surprise score. It is a calibrated estimate of how large
    /// each patch's error will be, and only the calibration loss trains it.
    public func level(_ features: Tensor) -> Tensor {
        (features.detached() * levelWeights).sum(axis: -1)
    }

    /// Candidate energies [batch, count]: the sum of the per-patch terms.
    public func energies(_ candidates: Tensor, at positions: [Int], context: ObservedContext) -> Tensor {
        patchEnergies(candidates, at: positions, context: context).sum(axis: -1)
    }

    /// Parameters a model file may lack, having been written before they existed; they keep their
    /// initial value. A file without the level weights predates today's level (it read the state
    /// too): its predictions are unchanged, and its energy is the bowl alone until `calibrate`.
    public static let optionalParameters: Set<String> = ["levelWeights"]

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var all = backbone.parameters(prefixed: "backbone")
        all.append(("candidateMarker", candidateMarker))
        all += finalNorm.parameters(prefixed: "finalNorm")
        all += correctionHead.parameters(prefixed: "correctionHead")
        all.append(("levelWeights", levelWeights))
        all.append(("logStepSize", logStepSize))
        return all
    }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try backbone.loadParameters(parameters.childEntries("backbone"))
        try finalNorm.loadParameters(parameters.childEntries("finalNorm"))
        try correctionHead.loadParameters(parameters.childEntries("correctionHead"))
        for (name, keyPath) in [("candidateMarker", \EnergyModel.candidateMarker), ("logStepSize", \EnergyModel.logStepSize),
                                ("levelWeights", \EnergyModel.levelWeights)] {
            guard let tensor = parameters[name] else {
                if Self.optionalParameters.contains(name) { continue }
                throw LayerError.missingParameter(name)
            }
            guard tensor.shape == self[keyPath: keyPath].shape else {
                throw LayerError.shapeMismatch(name: name, expected: self[keyPath: keyPath].shape, actual: tensor.shape)
            }
            self[keyPath: keyPath] = tensor.asParameter()
        }
    }
}
