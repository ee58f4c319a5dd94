/// A layer is a small struct of parameter tensors (MLX-style modules). Parameters are enumerated
/// with dotted names ("blocks.0.attention.query.weight") in a stable order; the same names are the
/// keys of checkpoints and of the optimizer's state, and `loadParameters` replaces tensors by name.
public protocol Layer {
    /// Every trainable tensor with its dotted name, in a stable order.
    var namedParameters: [(name: String, tensor: Tensor)] { get }

    /// Replaces every parameter by the tensor of the same name (shapes must match). Loaded tensors
    /// become fresh parameters, so they own their buffers.
    mutating func loadParameters(_ parameters: [String: Tensor]) throws
}

public enum LayerError: Error, Equatable, CustomStringConvertible {
    case missingParameter(String)
    case shapeMismatch(name: String, expected: [Int], actual: [Int])

    /// The same error for a parameter inside the child layer `child`.
    func inside(_ child: String) -> LayerError {
        switch self {
        case .missingParameter(let name): return .missingParameter("\(child).\(name)")
        case .shapeMismatch(let name, let expected, let actual):
            return .shapeMismatch(name: "\(child).\(name)", expected: expected, actual: actual)
        }
    }

    public var description: String {
        switch self {
        case .missingParameter(let name): return "parameter \(name) is missing"
        case .shapeMismatch(let name, let expected, let actual): return "parameter \(name) has shape \(actual), expected \(expected)"
        }
    }
}

extension Layer {
    /// The parameter tensors alone, in `namedParameters` order (what `grad(of:wrt:)` takes).
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// The number of trainable scalars.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.tensor.count } }
}

/// Helpers for composite layers: children's names get the child's prefix.
enum ParameterNames {
    /// The children's parameters, each name prefixed with its child's name.
    static func children(_ children: KeyValuePairs<String, any Layer>) -> [(name: String, tensor: Tensor)] {
        children.flatMap { child in child.value.namedParameters.map { ("\(child.key).\($0.name)", $0.tensor) } }
    }

    /// Loads a child layer from the entries under its name.
    static func load<L: Layer>(_ child: inout L, _ name: String, from parameters: [String: Tensor]) throws {
        do {
            try child.loadParameters(self.child(name, of: parameters))
        } catch let error as LayerError {
            throw error.inside(name)
        }
    }

    /// The entries under `prefix.`, with the prefix removed.
    static func child(_ prefix: String, of parameters: [String: Tensor]) -> [String: Tensor] {
        parameters.childEntries(prefix)
    }

    /// Replaces one leaf parameter, checking presence and shape.
    static func load(_ parameter: inout Tensor, _ name: String, from parameters: [String: Tensor]) throws {
        guard let replacement = parameters[name] else { throw LayerError.missingParameter(name) }
        guard replacement.shape == parameter.shape else {
            throw LayerError.shapeMismatch(name: name, expected: parameter.shape, actual: replacement.shape)
        }
        parameter = replacement.asParameter()
    }
}

extension Layer {
    /// This layer's parameters with `prefix.` in front of each name (how composite models name a child's).
    public func parameters(prefixed prefix: String) -> [(name: String, tensor: Tensor)] {
        namedParameters.map { ("\(prefix).\($0.name)", $0.tensor) }
    }
}

extension Dictionary where Key == String, Value == Tensor {
    /// The entries under `prefix.`, with the prefix removed (how a composite model loads a child).
    public func childEntries(_ prefix: String) -> [String: Tensor] {
        let head = prefix + "."
        var result: [String: Tensor] = [:]
        for (name, tensor) in self where name.hasPrefix(head) { result[String(name.dropFirst(head.count))] = tensor }
        return result
    }
}
