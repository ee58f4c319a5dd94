/// RMS normalization over the last axis with a learned per-feature gain (initialized to 1).
public struct RMSNorm: Layer {
    public var weight: Tensor
    public var eps: Float

    public init(_ size: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([size]).asParameter()
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { rmsNorm(x, weight: weight, eps: eps) }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try ParameterNames.load(&weight, "weight", from: parameters)
    }
}
