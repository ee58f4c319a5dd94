/// A pre-norm transformer block: x + attention(norm(x)), then h + feedForward(norm(h)).
public struct TransformerBlock: Layer {
    public var attentionNorm: RMSNorm
    public var attention: MultiHeadAttention
    public var feedForwardNorm: RMSNorm
    public var feedForward: SwiGLU

    public init<G: RandomNumberGenerator>(_ size: Int, heads: Int, hiddenSize: Int, ropeBase: Float = 10_000,
                                          using generator: inout G) {
        attentionNorm = RMSNorm(size)
        attention = MultiHeadAttention(size, heads: heads, ropeBase: ropeBase, using: &generator)
        feedForwardNorm = RMSNorm(size)
        feedForward = SwiGLU(size, hiddenSize: hiddenSize, using: &generator)
    }

    /// Self-attention over one stream [batch, seq, width].
    public func callAsFunction(_ x: Tensor, positions: [Int], mask: Tensor?) -> Tensor {
        forward(x, positions: positions, mask: mask).output
    }

    /// The general form: the stream `x` attends to `prefix` (another stream's keys and values in
    /// this block, e.g. the EBT's observed frames) followed by its own keys and values; `mask` is
    /// [seq, prefix.length + seq]. Also returns this stream's own keys and values, so a stream
    /// computed once can serve as a later stream's prefix.
    public func forward(_ x: Tensor, positions: [Int], mask: Tensor?, prefix: KeyValues? = nil)
        -> (output: Tensor, keyValues: KeyValues) {
        let normalized = attentionNorm(x)
        let own = attention.keyValues(normalized, positions: positions)
        let context = prefix.map { $0.followed(by: own) } ?? own
        let h = x + attention(normalized, positions: positions, attendingTo: context, mask: mask)
        return (h + feedForward(feedForwardNorm(h)), own)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        ParameterNames.children(["attentionNorm": attentionNorm, "attention": attention, "feedForwardNorm": feedForwardNorm, "feedForward": feedForward])
    }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try ParameterNames.load(&attentionNorm, "attentionNorm", from: parameters)
        try ParameterNames.load(&attention, "attention", from: parameters)
        try ParameterNames.load(&feedForwardNorm, "feedForwardNorm", from: parameters)
        try ParameterNames.load(&feedForward, "feedForward", from: parameters)
    }
}
