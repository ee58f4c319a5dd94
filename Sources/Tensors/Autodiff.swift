/// Reverse-mode automatic differentiation with gradients that are themselves differentiable.
///
/// Every op result that depends on a tracked tensor carries a `GraphNode`: its inputs' nodes and,
/// per input, a `Derivative` closure that maps the output's gradient to that input's gradient
/// using ordinary `Tensor` ops. Because derivatives are written in differentiable ops, running
/// the backward pass with recording on (`createGraph: true`) records the backward pass itself,
/// and gradients of gradients come out of the same machinery to any order.

/// Maps the gradient of an op's output to the gradient of one input. `output` is the op's result
/// with its node, so derivatives like `g * exp(x)` reuse the forward value and stay differentiable.
typealias Derivative = (_ gradient: Tensor, _ output: Tensor) -> Tensor

/// Adds the same contribution as an op's `Derivative` into a running sum in place, for ops that
/// can do it for free (a matrix product's weight gradient is sgemm with β = 1). Used only outside
/// a recorded backward pass, on a sum no one else holds.
typealias AccumulatingDerivative = (_ gradient: Tensor, _ output: Tensor, _ sum: UnsafeMutablePointer<Float>) -> Void

/// One recorded op (or a leaf when it has no inputs).
final class GraphNode {
    let inputs: [GraphNode?]
    let derivatives: [Derivative?]
    /// Per input, an in-place variant of its derivative, or nil (most ops).
    let accumulators: [AccumulatingDerivative?]
    /// The op's output value, kept so derivatives can use it without a reference cycle.
    let storage: TensorStorage
    let shape: [Int]
    /// A trainable leaf, which `withParametersFrozen` treats as a constant.
    let isParameter: Bool

    init(inputs: [GraphNode?], derivatives: [Derivative?], accumulators: [AccumulatingDerivative?] = [],
         storage: TensorStorage, shape: [Int], isParameter: Bool = false) {
        self.inputs = inputs
        self.derivatives = derivatives
        self.accumulators = accumulators
        self.storage = storage
        self.shape = shape
        self.isParameter = isParameter
    }
}

/// Whether ops record graph nodes on the current thread (or task).
public enum GradientMode {
    @TaskLocal public static var isRecording: Bool = true
    @TaskLocal public static var parametersFrozen: Bool = false
    /// A hint that the graph being recorded will be differentiated twice (training through
    /// thinking), so fused ops whose derivatives are then composed ops (`attention`) record the
    /// composed forward instead of recomputing it in the backward pass. Results are the same
    /// either way; only the time differs.
    @TaskLocal public static var expectsHigherOrder: Bool = false
}

/// Runs `body` with `GradientMode.expectsHigherOrder` set.
public func expectingHigherOrderGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$expectsHigherOrder.withValue(true, operation: body)
}

/// Runs `body` without recording any graph: inference and optimizer arithmetic pay nothing for
/// autodiff even when parameters require gradients.
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isRecording.withValue(false, operation: body)
}

/// Runs `body` with parameters treated as constants while other tracked tensors (like the EBT's
/// candidate ŷ) still record: thinking at inference needs ∇ŷE but no graph through the weights.
public func withParametersFrozen<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$parametersFrozen.withValue(true, operation: body)
}

extension Tensor {
    /// True when this tensor carries history (a leaf requiring gradient or a tracked op result).
    public var requiresGradient: Bool { node != nil }

    /// The same values as a new leaf of differentiation, e.g. the EBT's candidate ŷ.
    /// Each call makes a distinct leaf: gradients are matched by this identity.
    public func requiringGradient() -> Tensor {
        Tensor(storage: storage, shape: shape,
               node: GraphNode(inputs: [], derivatives: [], storage: storage, shape: shape))
    }

    /// A trainable parameter: a leaf on a private copy of the values, because optimizers update
    /// a parameter's buffer in place and every copy of the parameter must see the update
    /// (and no unrelated tensor may).
    public func asParameter() -> Tensor {
        let copy = storage.copy()
        return Tensor(storage: copy, shape: shape,
                      node: GraphNode(inputs: [], derivatives: [], storage: copy, shape: shape, isParameter: true))
    }

    /// The same values with no history: a constant for differentiation.
    public func detached() -> Tensor { Tensor(storage: storage, shape: shape) }

    /// Attaches a node to a freshly computed result when recording is on and any input is tracked.
    /// `derivatives` is only evaluated then, so untracked calls allocate no closures.
    @inline(__always)
    static func record(_ result: Tensor, _ inputs: [Tensor], _ derivatives: () -> [Derivative?]) -> Tensor {
        record(result, inputs, derivatives, accumulators: { [] })
    }

    /// `record` for an op that also has in-place variants of its derivatives.
    @inline(__always)
    static func record(_ result: Tensor, _ inputs: [Tensor], _ derivatives: () -> [Derivative?],
                       accumulators: () -> [AccumulatingDerivative?]) -> Tensor {
        guard inputs.contains(where: { $0.node != nil }), GradientMode.isRecording else { return result }
        var nodes = inputs.map(\.node)
        if GradientMode.parametersFrozen {
            nodes = nodes.map { $0?.isParameter == true ? nil : $0 }
            if !nodes.contains(where: { $0 != nil }) { return result }
        }
        var tracked = result
        tracked.node = GraphNode(inputs: nodes, derivatives: derivatives(), accumulators: accumulators(),
                                 storage: result.storage, shape: result.shape)
        return tracked
    }
}

/// Gradients of the scalar `output` with respect to each tensor in `inputs`.
///
/// `inputs` may be leaves or intermediate results (the EBT differentiates the energy with respect
/// to ŷ after an update step). Only nodes on a path from `output` to some input are visited, so
/// asking for ∂E/∂ŷ never walks into the weights. Inputs that `output` does not reach get zeros.
/// With `createGraph` the backward pass is recorded and the gradients can be differentiated again.
public func grad(of output: Tensor, wrt inputs: [Tensor], createGraph: Bool = false) -> [Tensor] {
    precondition(output.count == 1, "grad(of:) needs a scalar, got shape \(output.shape)")
    guard let root = output.node else { return inputs.map { Tensor.zeros($0.shape) } }
    let targets = Set(inputs.compactMap { $0.node.map(ObjectIdentifier.init) })

    // Post-order depth-first walk from the root: a node is appended after all of its inputs, so
    // the reversed list visits every consumer before the nodes it consumes.
    var relevant: [ObjectIdentifier: Bool] = [:]
    var order: [GraphNode] = []
    var stack: [(node: GraphNode, next: Int)] = [(root, 0)]
    relevant[ObjectIdentifier(root)] = false
    while let top = stack.last {
        let node = top.node
        if top.next < node.inputs.count {
            let next = top.next
            stack[stack.count - 1].next += 1
            if let input = node.inputs[next], relevant[ObjectIdentifier(input)] == nil {
                relevant[ObjectIdentifier(input)] = false
                stack.append((input, 0))
            }
        } else {
            stack.removeLast()
            let id = ObjectIdentifier(node)
            let reaches = targets.contains(id) || node.inputs.contains { $0.map { relevant[ObjectIdentifier($0)] == true } ?? false }
            if reaches {
                relevant[id] = true
                order.append(node)
            }
        }
    }

    return GradientMode.$isRecording.withValue(createGraph) {
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): Tensor.ones(output.shape)]
        for node in order.reversed() {
            let id = ObjectIdentifier(node)
            guard let gradient = gradients[id] else { continue }
            if !targets.contains(id) { gradients[id] = nil }
            let value = Tensor(storage: node.storage, shape: node.shape, node: node)
            for (index, (input, derivative)) in zip(node.inputs, node.derivatives).enumerated() {
                guard let input, let derivative, relevant[ObjectIdentifier(input)] == true else { continue }
                let inputID = ObjectIdentifier(input)
                if !createGraph, index < node.accumulators.count, let accumulator = node.accumulators[index],
                   var sum = gradients.removeValue(forKey: inputID) {
                    if sum.node == nil, sum.shape == input.shape, isKnownUniquelyReferenced(&sum.storage) {
                        accumulator(gradient, value, sum.storage.pointer)
                    } else {
                        sum = sum + derivative(gradient, value)
                    }
                    gradients[inputID] = sum
                    continue
                }
                let contribution = derivative(gradient, value)
                assert(contribution.shape == input.shape, "derivative shape \(contribution.shape) for input \(input.shape)")
                if var existing = gradients.removeValue(forKey: inputID) {
                    accumulate(contribution, into: &existing)
                    gradients[inputID] = existing
                } else {
                    gradients[inputID] = contribution
                }
            }
        }
        return inputs.map { input in input.node.flatMap { gradients[ObjectIdentifier($0)] } ?? Tensor.zeros(input.shape) }
    }
}

/// sum += contribution. Outside a recorded backward pass the sum is added to in place when no
/// one else holds its buffer: a weight used by every layer call, thinking step and stream gets a
/// contribution from each, and a fresh buffer per addition cost an allocation and page faults.
private func accumulate(_ contribution: Tensor, into sum: inout Tensor) {
    guard !GradientMode.isRecording, sum.node == nil, contribution.shape == sum.shape,
          isKnownUniquelyReferenced(&sum.storage) else {
        sum = sum + contribution
        return
    }
    let source = contribution.storage.pointer, target = sum.storage.pointer
    Kernels.split(sum.count) { range in
        Kernels.zip(source + range.lowerBound, 1, target + range.lowerBound, 1, target + range.lowerBound, range.count) { $0 + $1 }
    }
}

/// Evaluates `body` and differentiates its scalar result with respect to `inputs`, MLX-style.
public func valueAndGrad(wrt inputs: [Tensor], createGraph: Bool = false,
                         _ body: () throws -> Tensor) rethrows -> (value: Tensor, gradients: [Tensor]) {
    let value = try body()
    return (value, grad(of: value, wrt: inputs, createGraph: createGraph))
}
