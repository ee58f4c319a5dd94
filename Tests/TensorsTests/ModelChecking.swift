import XCTest
@testable import Tensors

/// Finite-difference checks for whole models, whose parameters are many: the function is
/// differentiated along random directions v (Σ ∇f·v against the numeric directional derivative)
/// and the Hessian-vector product H·v is compared as a whole vector. Parameters are moved by
/// writing into their buffers, exactly as the optimizer does, and restored afterwards.
struct ModelCheck {
    let parameters: [Tensor]
    let loss: () -> Tensor

    private func directions(seed: UInt64) -> [Tensor] {
        var generator = SeededGenerator(seed: seed)
        return parameters.map { Tensor.randn($0.shape, using: &generator) }
    }

    /// Evaluates `body` with every parameter moved by h·v, then restores the exact old values.
    private func moved<R>(by h: Double, along v: [Tensor], _ body: () -> R) -> R {
        let saved = parameters.map { $0.storage.copy() }
        for (p, d) in zip(parameters, v) {
            for i in 0..<p.count { p.storage.pointer[i] += Float(h) * d.storage.pointer[i] }
        }
        defer { for (p, s) in zip(parameters, saved) { p.storage.pointer.update(from: s.pointer, count: p.count) } }
        return body()
    }

    /// Relative errors of the directional derivative along several random directions.
    func directionalErrors(directions count: Int = 3, step: Double = GradientCheck.step) -> [Double] {
        let gradients = grad(of: loss(), wrt: parameters)
        return (0..<count).map { k in
            let v = directions(seed: 1000 + UInt64(k))
            let analytic = zip(gradients, v).reduce(0.0) { $0 + Double(($1.0 * $1.1).sum().item) }
            let numeric = GradientCheck.directional({ h in moved(by: h, along: v) { withParametersFrozen { Double(loss().item) } } }, step: step)
            return Swift.abs(analytic - numeric) / Swift.max(Swift.abs(numeric), 1e-8)
        }
    }

    /// Relative error of H·v (double backward) against differences of gradients.
    func hessianVectorError(seed: UInt64 = 2000) -> Double {
        let v = directions(seed: seed)
        let gradients = grad(of: loss(), wrt: parameters, createGraph: true)
        let projection = zip(gradients, v).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
        let analytic = grad(of: projection, wrt: parameters).flatMap(GradientCheck.doubles)
        func gradientAt(_ h: Double) -> [Double] {
            moved(by: h, along: v) { grad(of: loss(), wrt: parameters).flatMap(GradientCheck.doubles) }
        }
        let h = GradientCheck.step
        let (plus, minus, halfPlus, halfMinus) = (gradientAt(h), gradientAt(-h), gradientAt(h / 2), gradientAt(-h / 2))
        let numeric = plus.indices.map { i in
            (4 * (halfPlus[i] - halfMinus[i]) / h - (plus[i] - minus[i]) / (2 * h)) / 3
        }
        return GradientCheck.relativeError(analytic, numeric)
    }
}
