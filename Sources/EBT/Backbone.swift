import Tensors

/// The part the EBT and the Transformer++ baseline share, so they compare on equal terms: a linear
/// projection from embedding space to the model width and a stack of pre-norm transformer blocks
/// (RMSNorm, RoPE attention, SwiGLU) over a causal stream of frames.
public struct Backbone: Layer {
    public var inputProjection: Linear
    public var blocks: [TransformerBlock]

    public init<G: RandomNumberGenerator>(_ config: ModelConfig, using generator: inout G) {
        inputProjection = Linear(config.embeddingSize, config.width, using: &generator)
        blocks = (0..<config.layers).map { _ in
            TransformerBlock(config.width, heads: config.heads, hiddenSize: config.hiddenSize, using: &generator)
        }
    }

    /// Runs the observed frames x [batch, seq, embedding] through the causal stream at positions
    /// 0..<seq. Returns every block's keys and values (what a second stream attends to) and, when
    /// `wantsOutput`, the last block's output; otherwise the last block's attention and
    /// feed-forward are skipped, since the EBT only ever reads the observed stream's keys.
    public func observe(_ x: Tensor, wantsOutput: Bool) -> (keyValues: [KeyValues], output: Tensor?) {
        let length = x.shape[1]
        let positions = Array(0..<length)
        let mask = AttentionMask.causal(length)
        var h = inputProjection(x)
        var keyValues: [KeyValues] = []
        for (index, block) in blocks.enumerated() {
            if index == blocks.count - 1 && !wantsOutput {
                keyValues.append(block.attention.keyValues(block.attentionNorm(h), positions: positions))
                return (keyValues, nil)
            }
            let step = block.forward(h, positions: positions, mask: mask)
            keyValues.append(step.keyValues)
            h = step.output
        }
        return (keyValues, h)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var all = inputProjection.parameters(prefixed: "inputProjection")
        for (index, block) in blocks.enumerated() { all += block.parameters(prefixed: "blocks.\(index)") }
        return all
    }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try inputProjection.loadParameters(parameters.childEntries("inputProjection"))
        for index in blocks.indices { try blocks[index].loadParameters(parameters.childEntries("blocks.\(index)")) }
    }
}
