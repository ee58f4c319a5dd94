import Foundation

/// Rotated keys and values of one stream, [batch, seq, heads, headDim] each. Computing them once
/// lets a second stream attend to them repeatedly (the EBT's candidates attend to the observed
/// frames at every thinking step) without recomputing the first stream.
public struct KeyValues {
    public var keys: Tensor
    public var values: Tensor

    public init(keys: Tensor, values: Tensor) {
        self.keys = keys
        self.values = values
    }

    /// Both streams' keys and values joined along the sequence axis (this one first).
    public func followed(by other: KeyValues) -> KeyValues {
        KeyValues(keys: concat([keys, other.keys], axis: 1), values: concat([values, other.values], axis: 1))
    }

    public var length: Int { keys.shape[1] }
}

/// Multi-head scaled dot-product attention with rotary positions.
///
/// Inputs are [batch, seq, width]. Queries and keys/values may come from different streams of
/// different lengths, each with its own per-element positions. The optional additive mask is
/// [querySeq, keySeq] (0 = attend, −∞ = blocked) and is broadcast over batch and heads.
public struct MultiHeadAttention: Layer {
    public var query: Linear
    public var key: Linear
    public var value: Linear
    public var output: Linear
    public let heads: Int
    public let ropeBase: Float

    public init<G: RandomNumberGenerator>(_ size: Int, heads: Int, ropeBase: Float = 10_000, using generator: inout G) {
        precondition(size % heads == 0, "width \(size) is not a multiple of \(heads) heads")
        query = Linear(size, size, bias: false, using: &generator)
        key = Linear(size, size, bias: false, using: &generator)
        value = Linear(size, size, bias: false, using: &generator)
        output = Linear(size, size, bias: false, using: &generator)
        self.heads = heads
        self.ropeBase = ropeBase
    }

    public var headSize: Int { query.weight.shape[1] / heads }

    /// Projects a stream to its rotated keys and values.
    public func keyValues(_ x: Tensor, positions: [Int]) -> KeyValues {
        let split = [x.shape[0], x.shape[1], heads, headSize]
        return KeyValues(keys: rope(key(x).reshaped(split), positions: positions, base: ropeBase),
                         values: value(x).reshaped(split))
    }

    /// Attends from the stream `x` at `positions` to precomputed keys and values.
    public func callAsFunction(_ x: Tensor, positions: [Int], attendingTo context: KeyValues, mask: Tensor?) -> Tensor {
        let (batch, length) = (x.shape[0], x.shape[1])
        let q = rope(query(x).reshaped([batch, length, heads, headSize]), positions: positions, base: ropeBase)
        let attended = attention(queries: q, keys: context.keys, values: context.values, mask: mask,
                                 scale: 1 / Float(headSize).squareRoot())
        return output(attended.reshaped([batch, length, heads * headSize]))
    }

    /// Self-attention of one stream.
    public func callAsFunction(_ x: Tensor, positions: [Int], mask: Tensor?) -> Tensor {
        self(x, positions: positions, attendingTo: keyValues(x, positions: positions), mask: mask)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        ParameterNames.children(["query": query, "key": key, "value": value, "output": output])
    }

    public mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        try ParameterNames.load(&query, "query", from: parameters)
        try ParameterNames.load(&key, "key", from: parameters)
        try ParameterNames.load(&value, "value", from: parameters)
        try ParameterNames.load(&output, "output", from: parameters)
    }
}

/// Additive attention masks.
public enum AttentionMask {
    /// [size, size]: position i sees positions ≤ i.
    public static func causal(_ size: Int) -> Tensor {
        additive(rows: size, columns: size) { $1 <= $0 }
    }

    /// [rows, columns] with 0 where `allowed(row, column)` and −∞ elsewhere.
    public static func additive(rows: Int, columns: Int, allowed: (Int, Int) -> Bool) -> Tensor {
        var values = [Float](repeating: -.infinity, count: rows * columns)
        for r in 0..<rows { for c in 0..<columns where allowed(r, c) { values[r * columns + c] = 0 } }
        return Tensor(shape: [rows, columns], scalars: values)
    }

    /// Converts a boolean-style mask (nonzero = attend) to an additive one.
    public static func additive(_ mask: Tensor) -> Tensor {
        `where`(mask, Tensor.zeros([]), Tensor.full([], -.infinity))
    }
}
