import XCTest
@testable import Tensors

final class AutodiffTests: XCTestCase {
    func testConstantsAndInferenceRecordNothing() {
        let w = Tensor.ones([2, 2]).asParameter()
        let x = Tensor.ones([2, 2])
        XCTAssertTrue(w.requiresGradient)
        XCTAssertFalse(x.requiresGradient)
        XCTAssertFalse(exp(x * 2).requiresGradient, "constants build no graph")
        XCTAssertTrue(matmul(x, w).requiresGradient)
        withoutGradient {
            XCTAssertFalse(matmul(x, w).requiresGradient, "no graph inside withoutGradient")
        }
        XCTAssertFalse(w.detached().requiresGradient)
    }

    func testFrozenParametersLeaveOnlyTheCandidateTracked() {
        let w = Tensor([2, 3]).asParameter()
        let y = Tensor([1, 1]).requiringGradient()
        withParametersFrozen {
            XCTAssertFalse((w * w).requiresGradient, "parameters are constants here")
            let energy = (w * y * y).sum()
            XCTAssertTrue(energy.requiresGradient)
            XCTAssertEqual(grad(of: energy, wrt: [y])[0].scalars, [4, 6])
        }
    }

    func testUnreachedInputsGetZeros() {
        let a = Tensor([1, 2]).requiringGradient(), b = Tensor.ones([3]).requiringGradient()
        let gradients = grad(of: (a * a).sum(), wrt: [a, b, Tensor.ones([4])])
        XCTAssertEqual(gradients[0].scalars, [2, 4])
        XCTAssertEqual(gradients[1].scalars, [0, 0, 0])
        XCTAssertEqual(gradients[2].shape, [4])
    }

    func testSharedSubexpressionsAccumulate() {
        let x = Tensor([3]).requiringGradient()
        let y = x * x
        let z = (y * y + y).sum()          // x⁴ + x² → 4x³ + 2x = 114
        XCTAssertEqual(grad(of: z, wrt: [x])[0].item, 114)
    }

    func testThirdOrderOfAPolynomial() {
        let x = Tensor([2]).requiringGradient()
        let f = pow(x, 4).sum()                                                // x⁴
        let d1 = grad(of: f, wrt: [x], createGraph: true)[0]                   // 4x³ = 32
        let d2 = grad(of: d1.sum(), wrt: [x], createGraph: true)[0]            // 12x² = 48
        let d3 = grad(of: d2.sum(), wrt: [x])[0]                               // 24x = 48
        XCTAssertEqual(d1.item, 32, accuracy: 1e-4)
        XCTAssertEqual(d2.item, 48, accuracy: 1e-4)
        XCTAssertEqual(d3.item, 48, accuracy: 1e-3)
        XCTAssertFalse(d3.requiresGradient, "without createGraph the result is a constant")
    }

    func testGradientWithRespectToAnIntermediate() {
        let x = Tensor([1, 2]).requiringGradient()
        let y = x * 3
        let z = (y * y).sum()
        let gradients = grad(of: z, wrt: [y, x])
        XCTAssertEqual(gradients[0].scalars, [6, 12])
        XCTAssertEqual(gradients[1].scalars, [18, 36])
    }

    func testValueAndGrad() {
        let w = Tensor([2, -1]).asParameter()
        let (value, gradients) = valueAndGrad(wrt: [w]) { (w * w * 0.5).sum() }
        XCTAssertEqual(value.item, 2.5)
        XCTAssertEqual(gradients[0].scalars, [2, -1])
    }
}
