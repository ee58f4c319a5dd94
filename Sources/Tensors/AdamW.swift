import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter), global gradient-norm clipping, a
/// learning-rate schedule and per-parameter learning-rate multipliers.
///
/// Parameters are identified by name (the `Layer.namedParameters` names), so the moment
/// estimates survive `loadParameters` and match checkpoint keys. `update` writes the new values
/// into each parameter's buffer in place: a parameter is a variable shared by every copy of its
/// tensor (see `Tensor.asParameter()`), so the model holding it sees the step without being
/// reassigned. Any graph still referring to the old values is stale after an update.
public struct AdamW {
    public var schedule: LearningRateSchedule
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Gradients are scaled down together when their global L2 norm exceeds this; nil disables.
    public var maxGradientNorm: Float?
    /// Learning-rate factors by parameter name (e.g. the EBT's step size α trains faster).
    public var learningRateMultipliers: [String: Float]
    /// Which parameters decay; by default matrices only (not norm gains, biases, scalars).
    public var decays: (String, Tensor) -> Bool
    /// Updates taken so far.
    public private(set) var step = 0
    private var moments: [String: (first: TensorStorage, second: TensorStorage)] = [:]

    public init(schedule: LearningRateSchedule, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0.01, maxGradientNorm: Float? = 1, learningRateMultipliers: [String: Float] = [:],
                decays: @escaping (String, Tensor) -> Bool = { _, tensor in tensor.rank >= 2 }) {
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.maxGradientNorm = maxGradientNorm
        self.learningRateMultipliers = learningRateMultipliers
        self.decays = decays
    }

    public init(learningRate: Float, weightDecay: Float = 0.01, maxGradientNorm: Float? = 1) {
        self.init(schedule: .constant(learningRate), weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
    }

    /// The moment estimates by parameter name, for a checkpoint.
    public var momentValues: [String: (first: [Float], second: [Float])] {
        moments.mapValues { state in
            (Array(UnsafeBufferPointer(start: state.first.pointer, count: state.first.count)),
             Array(UnsafeBufferPointer(start: state.second.pointer, count: state.second.count)))
        }
    }

    /// Continues from a checkpoint's step count and moment estimates.
    public mutating func restore(step: Int, moments saved: [String: (first: [Float], second: [Float])]) {
        self.step = step
        moments = saved.mapValues { values in
            (values.first.withUnsafeBufferPointer { TensorStorage(copying: $0.baseAddress!, count: $0.count) },
             values.second.withUnsafeBufferPointer { TensorStorage(copying: $0.baseAddress!, count: $0.count) })
        }
    }

    /// The learning rate the next update will use (before per-parameter multipliers).
    public var learningRate: Float { schedule(step) }

    /// One step on `model`'s parameters; `gradients` are in `namedParameters` order.
    /// Returns the global gradient norm before clipping.
    @discardableResult
    public mutating func update<L: Layer>(_ model: L, gradients: [Tensor]) -> Float {
        update(model.namedParameters, gradients: gradients)
    }

    /// One step on named parameters, writing into their buffers. Returns the pre-clip gradient norm.
    @discardableResult
    public mutating func update(_ parameters: [(name: String, tensor: Tensor)], gradients: [Tensor]) -> Float {
        precondition(parameters.count == gradients.count, "\(parameters.count) parameters, \(gradients.count) gradients")
        var squaredNorm: Double = 0
        for gradient in gradients {
            // Eight lanes of partial sums: a single running sum is one dependent add per element.
            let p = gradient.storage.pointer, count = gradient.count
            var lanes = Vector(repeating: 0)
            var i = 0
            while i + 8 <= count { let v = Kernels.load(p + i); lanes += v * v; i += 8 }
            var sum = lanes.sum()
            while i < count { sum += p[i] * p[i]; i += 1 }
            squaredNorm += Double(sum)
        }
        let norm = Float(squaredNorm.squareRoot())
        let clip = maxGradientNorm.map { norm > $0 ? $0 / (norm + 1e-6) : 1 } ?? 1
        let rate = schedule(step)
        step += 1
        let correction1 = 1 - Foundation.pow(beta1, Float(step)), correction2 = 1 - Foundation.pow(beta2, Float(step))
        let (b1, b2, eps) = (beta1, beta2, epsilon)

        for ((name, parameter), gradient) in zip(parameters, gradients) {
            precondition(parameter.shape == gradient.shape, "gradient \(gradient.shape) for \(name) \(parameter.shape)")
            let state = moments[name] ?? (TensorStorage(repeating: 0, count: parameter.count),
                                          TensorStorage(repeating: 0, count: parameter.count))
            moments[name] = state
            let lr = rate * (learningRateMultipliers[name] ?? 1)
            let shrink = decays(name, parameter) ? 1 - lr * weightDecay : 1
            let p = parameter.storage.pointer, g = gradient.storage.pointer
            let m = state.first.pointer, v = state.second.pointer
            Kernels.split(parameter.count) { range in
                var i = range.lowerBound
                // Eight at a time, then the same arithmetic one by one for the tail.
                while i + 8 <= range.upperBound {
                    let gi = Kernels.load(g + i) * clip
                    let mi = b1 * Kernels.load(m + i) + (1 - b1) * gi
                    let vi = b2 * Kernels.load(v + i) + (1 - b2) * gi * gi
                    let update = (mi / correction1) / ((vi / correction2).squareRoot() + eps)
                    Kernels.store(mi, m + i)
                    Kernels.store(vi, v + i)
                    Kernels.store(Kernels.load(p + i) * shrink - lr * update, p + i)
                    i += 8
                }
                for i in i..<range.upperBound {
                    let gi = g[i] * clip
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    let update = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + eps)
                    p[i] = p[i] * shrink - lr * update
                }
            }
        }
        return norm
    }
}
