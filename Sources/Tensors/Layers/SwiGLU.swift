/// The SwiGLU feed-forward of LLaMA-style transformers: down(silu(gate(x)) ⊙ up(x)), no biases.
/// A common hidden size is 8/3 · width (683 for width 256), keeping the parameter count of a
/// 4·width GELU MLP.
public struct SwiGLU: Layer {
    public var gate: Linear
    public var up: Linear
    public var down: Linear

    public init<G: RandomNumberGenerator>(_ size: Int, hiddenSize: Int, using generator: inout G) {
        gate = Linear(size, hiddenSize, bias: false, using: &generator)
        up = Linear(size, hiddenSize, bias: false, using: &generator)
        down = Linear(hiddenSize, size, bias: false, using: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { down(silu(gate(x)) * up(x)) }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        ParameterNames.children(["gate": gate, "up": up, "down": down])
    }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try ParameterNames.load(&gate, "gate", from: parameters)
        try ParameterNames.load(&up, "up", from: parameters)
        try ParameterNames.load(&down, "down", from: parameters)
    }
}
