import Tensors
import Foundation

/// The observed stream of one context, computed once and reused by every thinking step: the
/// observed frames' activations do not depend on the candidate, so recomputing them per step (as
/// the reference implementation does) would only burn time.
public struct ObservedContext {
    /// Each block's rotated keys and values of the observed frames, [batch, seq, heads, headSize].
    public var keyValues: [KeyValues]
    /// The observed embeddings themselves, [batch, seq, embedding].
    public var frames: Tensor
    public var length: Int { frames.shape[1] }
}

/// E(context, candidate): an autoregressive, continuous-state energy-based transformer.
///
/// Two streams share one backbone. The observed stream is causal over frames x₀…x_{S−1}. The
/// predicted stream holds candidates; the candidate for frame q sits at position q and attends to
/// the observed frames before q and to itself, never to another candidate, so every candidate's
/// energy is independent of the others and of later frames. The energy head reads each candidate's
/// final state and gives one energy term per patch; their sum is the candidate's energy.
/// Splitting the scalar this way (a change from a single-output head) costs nothing and lets the
/// per-patch terms be trained and read as a map of *where* the model is unsure.
public struct EnergyModel: Layer {
    public let config: ModelConfig
    public var backbone: Backbone
    /// Added to every candidate's projection so the blocks can tell the two streams apart.
    public var candidateMarker: Tensor
    public var finalNorm: RMSNorm
    public var energyHead: Linear
    /// log α: thinking's step size is exp of this, which keeps it positive without a clamp whose
    /// gradient would vanish at the boundary.
    public var logStepSize: Tensor

    public init<G: RandomNumberGenerator>(_ config: ModelConfig, using generator: inout G) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        backbone = Backbone(config, using: &generator)
        candidateMarker = Tensor.randn([config.width], std: 0.02, using: &generator).asParameter()
        finalNorm = RMSNorm(config.width)
        energyHead = Linear(config.width, config.patchCount, std: 0.02, using: &generator)
        logStepSize = Tensor(shape: [1], scalars: [Foundation.log(config.initialStepSize)]).asParameter()
    }

    public var stepSize: Tensor { exp(logStepSize) }

    /// Runs the observed stream once; pass the result to every `patchEnergies` call for this context.
    public func observe(_ frames: Tensor) -> ObservedContext {
        ObservedContext(keyValues: backbone.observe(frames, wantsOutput: false).keyValues, frames: frames)
    }

    /// Per-patch energy terms [batch, count, patches] of candidates [batch, count, embedding], where
    /// candidate j is a guess for frame `positions[j]` (which must lie in 1...context.length).
    public func patchEnergies(_ candidates: Tensor, at positions: [Int], context: ObservedContext) -> Tensor {
        precondition(candidates.shape[1] == positions.count, "\(candidates.shape[1]) candidates for \(positions.count) positions")
        let observed = context.length
        let mask = AttentionMask.additive(rows: positions.count, columns: observed + positions.count) { row, column in
            column < observed ? column < positions[row] : column - observed == row
        }
        var h = backbone.inputProjection(candidates) + candidateMarker
        for (block, prefix) in zip(backbone.blocks, context.keyValues) {
            h = block.forward(h, positions: positions, mask: mask, prefix: prefix).output
        }
        return energyHead(finalNorm(h))
    }

    /// Candidate energies [batch, count]: the sum of the per-patch terms.
    public func energies(_ candidates: Tensor, at positions: [Int], context: ObservedContext) -> Tensor {
        patchEnergies(candidates, at: positions, context: context).sum(axis: -1)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var all = backbone.parameters(prefixed: "backbone")
        all.append(("candidateMarker", candidateMarker))
        all += finalNorm.parameters(prefixed: "finalNorm")
        all += energyHead.parameters(prefixed: "energyHead")
        all.append(("logStepSize", logStepSize))
        return all
    }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try backbone.loadParameters(parameters.childEntries("backbone"))
        try finalNorm.loadParameters(parameters.childEntries("finalNorm"))
        try energyHead.loadParameters(parameters.childEntries("energyHead"))
        for (name, keyPath) in [("candidateMarker", \EnergyModel.candidateMarker), ("logStepSize", \EnergyModel.logStepSize)] {
            guard let tensor = parameters[name] else { throw LayerError.missingParameter(name) }
            guard tensor.shape == self[keyPath: keyPath].shape else {
                throw LayerError.shapeMismatch(name: name, expected: self[keyPath: keyPath].shape, actual: tensor.shape)
            }
            self[keyPath: keyPath] = tensor.asParameter()
        }
    }
}
