import Tensors

/// The part the EBT and the Transformer++ baseline share, so they compare on equal terms: each
/// patch's tokens (`PatchTokens`), a linear projection to the model width and a stack of pre-norm
/// transformer blocks (RMSNorm, RoPE attention, SwiGLU) over that patch's causal stream of frames.
public struct Backbone: Layer {
    public var inputProjection: Linear
    public var blocks: [TransformerBlock]

    public init<G: RandomNumberGenerator>(_ config: ModelConfig, using generator: inout G) {
        inputProjection = Linear(PatchTokens.featureSize(components: config.components), config.width, using: &generator)
        blocks = (0..<config.layers).map { _ in
            TransformerBlock(config.width, heads: config.heads, hiddenSize: config.hiddenSize, using: &generator)
        }
    }

    /// The observed stream's tokens [batch·patches, seq, features] of frames [batch, seq,
    /// patches·components]: each frame read against the one before it (the first against itself);
    /// of the patches of `band` only when given (`PatchTokens.tokens`).
    public func tokens(_ frames: Tensor, layout: PatchLayout, components: Int, band: Range<Int>? = nil) -> Tensor {
        let length = frames.shape[1]
        let previous = concat([frames.sliced(axis: 1, 0..<1), frames.sliced(axis: 1, 0..<(length - 1))], axis: 1)
        return tokens(frames, previous: previous, layout: layout, components: components, band: band)
    }

    /// Tokens of frames read against `previous`, the frames before each.
    public func tokens(_ frames: Tensor, previous: Tensor, layout: PatchLayout, components: Int, band: Range<Int>? = nil) -> Tensor {
        PatchTokens.tokens(frames, previous: previous.detached(), layout: layout, components: components, band: band)
    }

    /// Runs the observed tokens x [batch·patches, seq, features] through the causal stream at positions
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
