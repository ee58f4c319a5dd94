import Tensors

/// Composite models name a child's parameters "child.name", which is also how they are keyed in
/// model files; these two helpers are the whole convention.
extension Layer {
    /// This layer's parameters with `prefix.` in front of each name.
    func parameters(prefixed prefix: String) -> [(name: String, tensor: Tensor)] {
        namedParameters.map { ("\(prefix).\($0.name)", $0.tensor) }
    }
}

extension Dictionary where Key == String, Value == Tensor {
    /// The entries under `prefix.`, with the prefix removed.
    func childEntries(_ prefix: String) -> [String: Tensor] {
        let head = prefix + "."
        var result: [String: Tensor] = [:]
        for (name, tensor) in self where name.hasPrefix(head) { result[String(name.dropFirst(head.count))] = tensor }
        return result
    }
}
