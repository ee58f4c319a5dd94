/// y = x · W + b with W stored [input, output], so a batch [..., input] is one sgemm with no
/// transpose, and the weight gradient xᵀ·g is one sgemm over all leading axes too.
public struct Linear: Layer {
    public var weight: Tensor
    public var bias: Tensor?

    /// Weights are N(0, std²), std defaulting to 1/√input (unit-variance outputs); bias starts at 0.
    public init<G: RandomNumberGenerator>(_ inputSize: Int, _ outputSize: Int, bias: Bool = true, std: Float? = nil,
                                          using generator: inout G) {
        let scale = std ?? 1 / Float(inputSize).squareRoot()
        weight = Tensor.randn([inputSize, outputSize], std: scale, using: &generator).asParameter()
        self.bias = bias ? Tensor.zeros([outputSize]).asParameter() : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let product = matmul(x, weight)
        return bias.map { product + $0 } ?? product
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try ParameterNames.load(&weight, "weight", from: parameters)
        if bias != nil { try ParameterNames.load(&bias!, "bias", from: parameters) }
    }
}
