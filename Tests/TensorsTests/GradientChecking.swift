import XCTest
@testable import Tensors

/// Finite-difference checks. The forward runs in Float, but differences are formed in Double with
/// Richardson extrapolation of two central differences (step h and h/2), which cancels the h²
/// error term; with h = 1e-2 the Float rounding of the forward (~1e-7 relative) stays ~1e-5
/// relative in the derivative, well under the tolerances. Errors are norm-wise relative:
/// ‖analytic − numeric‖ / ‖numeric‖.
enum GradientCheck {
    static let step: Double = 1e-2

    /// Richardson-extrapolated central difference of `f` along `direction`.
    static func directional(_ f: (Double) -> Double, step h: Double = step) -> Double {
        let wide = (f(h) - f(-h)) / (2 * h)
        let narrow = (f(h / 2) - f(-h / 2)) / h
        return (4 * narrow - wide) / 3
    }

    static func relativeError(_ analytic: [Double], _ numeric: [Double]) -> Double {
        var difference = 0.0, reference = 0.0
        for (a, n) in zip(analytic, numeric) {
            difference += (a - n) * (a - n)
            reference += n * n
        }
        return difference.squareRoot() / max(reference.squareRoot(), 1e-8)
    }

    static func shifted(_ x: Tensor, along direction: Tensor, by amount: Double) -> Tensor {
        withoutGradient { x.detached() + direction * Float(amount) }
    }

    static func evaluate(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor]) -> Double {
        withoutGradient { Double(f(inputs).item) }
    }

    /// Per-component numeric gradient of f with respect to inputs[index].
    static func numericGradient(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor], index: Int) -> [Double] {
        let x = inputs[index]
        return (0..<x.count).map { component in
            var unit = [Float](repeating: 0, count: x.count)
            unit[component] = 1
            let direction = Tensor(shape: x.shape, scalars: unit)
            return directional { h in
                var moved = inputs
                moved[index] = shifted(x, along: direction, by: h)
                return evaluate(f, moved)
            }
        }
    }

    /// Analytic gradients at `inputs` (first order, fresh leaves).
    static func analyticGradients(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor]) -> [Tensor] {
        let leaves = inputs.map { $0.detached().requiringGradient() }
        return grad(of: f(leaves), wrt: leaves)
    }

    static func doubles(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }
}

/// Asserts that f's gradient with respect to every input matches finite differences (≤ 1e-3)
/// and that its Hessian-vector product along a random direction matches finite differences of
/// the gradient (≤ 1e-2).
func assertDerivatives(_ inputs: [Tensor], firstOrder: Double = 1e-3, secondOrder: Double = 1e-2,
                       checkSecondOrder: Bool = true, file: StaticString = #filePath, line: UInt = #line,
                       _ f: @escaping ([Tensor]) -> Tensor) {
    let analytic = GradientCheck.analyticGradients(f, inputs)
    for index in inputs.indices {
        XCTAssertEqual(analytic[index].shape, inputs[index].shape, "gradient shape", file: file, line: line)
        let numeric = GradientCheck.numericGradient(f, inputs, index: index)
        let error = GradientCheck.relativeError(GradientCheck.doubles(analytic[index]), numeric)
        XCTAssertLessThanOrEqual(error, firstOrder, "gradient of input \(index): relative error \(error)", file: file, line: line)
    }
    guard checkSecondOrder else { return }
    assertHessianVectorProducts(inputs, tolerance: secondOrder, file: file, line: line, f)
}

/// H·v by double backward, against (∇f(x + hv) − ∇f(x − hv)) / 2h with Richardson extrapolation.
func assertHessianVectorProducts(_ inputs: [Tensor], tolerance: Double = 1e-2, seed: UInt64 = 99,
                                 file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    var generator = SeededGenerator(seed: seed)
    let directions = inputs.map { Tensor.randn($0.shape, using: &generator) }
    let leaves = inputs.map { $0.detached().requiringGradient() }
    let gradients = grad(of: f(leaves), wrt: leaves, createGraph: true)
    let projection = zip(gradients, directions).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
    let analytic = grad(of: projection, wrt: leaves)

    func gradientsAt(_ h: Double) -> [[Double]] {
        let moved = zip(inputs, directions).map { GradientCheck.shifted($0, along: $1, by: h) }
        return GradientCheck.analyticGradients(f, moved).map(GradientCheck.doubles)
    }
    let h = GradientCheck.step
    let (plus, minus, halfPlus, halfMinus) = (gradientsAt(h), gradientsAt(-h), gradientsAt(h / 2), gradientsAt(-h / 2))
    var numeric: [Double] = [], exact: [Double] = []
    for index in inputs.indices {
        for c in 0..<inputs[index].count {
            let wide = (plus[index][c] - minus[index][c]) / (2 * h)
            let narrow = (halfPlus[index][c] - halfMinus[index][c]) / h
            numeric.append((4 * narrow - wide) / 3)
        }
        exact += GradientCheck.doubles(analytic[index])
    }
    let error = GradientCheck.relativeError(exact, numeric)
    XCTAssertLessThanOrEqual(error, tolerance, "Hessian-vector product: relative error \(error)", file: file, line: line)
}

/// A smooth scalar probe of an op's output: Σ w₁⊙y + w₂⊙y², with fixed random weights, so that
/// every output element matters to both the gradient and the Hessian.
func probe(_ y: Tensor, seed: UInt64 = 7) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let w1 = Tensor.randn(y.shape, using: &generator)
    let w2 = Tensor.randn(y.shape, std: 0.5, using: &generator)
    return (w1 * y + w2 * y * y).sum()
}

func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, using: &generator)
}

func assertClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "element counts", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > tolerance * max(1, Swift.abs(y)) {
        XCTFail("element \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}
