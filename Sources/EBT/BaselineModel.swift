import Tensors

/// Transformer++: the EBT's backbone on a plain causal stream, predicting the next frame's
/// embedding in one pass. It predicts a residual over the last frame, because the EBT's thinking
/// also starts from the last frame; both therefore begin at copy-last and differ only in how they
/// improve on it.
public struct BaselineModel: Layer {
    public let config: ModelConfig
    public var backbone: Backbone
    public var finalNorm: RMSNorm
    public var outputHead: Linear

    public init<G: RandomNumberGenerator>(_ config: ModelConfig, using generator: inout G) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        backbone = Backbone(config, using: &generator)
        finalNorm = RMSNorm(config.width)
        outputHead = Linear(config.width, config.components, std: 0.02 / Float(config.width).squareRoot(), using: &generator)
    }

    /// Predictions [batch, seq, patches·components] for frames 1...seq from frames x of the same
    /// shape laid out in `layout`: residuals over the first guesses for those frames when given
    /// (as the EBT's thinking starts there), else over the last frame.
    public func callAsFunction(_ x: Tensor, layout: PatchLayout, guesses: Tensor? = nil) -> Tensor {
        let h = backbone.observe(backbone.tokens(x, layout: layout, components: config.components), wantsOutput: true).output!
        return (guesses?.detached() ?? x) + PatchTokens.framewise(outputHead(finalNorm(h)), batch: x.shape[0], patches: layout.patches)
    }

    /// The same for frames of the grid the model was trained on.
    public func callAsFunction(_ x: Tensor, guesses: Tensor? = nil) -> Tensor { self(x, layout: config.trainingLayout, guesses: guesses) }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        backbone.parameters(prefixed: "backbone") + finalNorm.parameters(prefixed: "finalNorm")
            + outputHead.parameters(prefixed: "outputHead")
    }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try backbone.loadParameters(parameters.childEntries("backbone"))
        try finalNorm.loadParameters(parameters.childEntries("finalNorm"))
        try outputHead.loadParameters(parameters.childEntries("outputHead"))
    }
}
