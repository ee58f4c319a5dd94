import XCTest
@testable import Tensors

/// Every op's gradient (≤ 1e-3) and Hessian-vector product (≤ 1e-2) against finite differences.
/// Inputs are kept away from kinks (|x| near 0 for abs, clamp bounds, ties for max) so that the
/// finite differences see a smooth function.
final class OpDerivativeTests: XCTestCase {
    let a34 = randomTensor([3, 4], seed: 1)
    let b34 = randomTensor([3, 4], seed: 2)
    let positive34 = randomTensor([3, 4], seed: 3, low: 0.5, high: 2)

    func testBroadcastingArithmetic() {
        let row = randomTensor([4], seed: 4), column = randomTensor([3, 1], seed: 5)
        let batch = randomTensor([2, 3, 4], seed: 6), positiveRow = randomTensor([4], seed: 7, low: 0.5, high: 2)
        assertDerivatives([a34, row]) { probe($0[0] + $0[1]) }
        assertDerivatives([a34, column]) { probe($0[0] - $0[1]) }
        assertDerivatives([batch, column]) { probe($0[0] * $0[1]) }
        assertDerivatives([a34, positiveRow]) { probe($0[0] / $0[1]) }
        assertDerivatives([a34, b34]) { probe($0[0] * $0[1] - $0[1] / ($0[0] * $0[0] + 1)) }
    }

    func testScalarArithmetic() {
        assertDerivatives([a34]) { probe(($0[0] + 2) * 1.5 - 0.5) }
        assertDerivatives([a34]) { probe(3 - $0[0]) }
        assertDerivatives([positive34]) { probe(2 / $0[0]) }
        assertDerivatives([a34]) { probe(-$0[0] / 4) }
    }

    func testSmoothUnaryFunctions() {
        assertDerivatives([a34]) { probe(exp($0[0])) }
        assertDerivatives([positive34]) { probe(log($0[0])) }
        assertDerivatives([positive34]) { probe(sqrt($0[0])) }
        assertDerivatives([positive34]) { probe(rsqrt($0[0])) }
        assertDerivatives([a34]) { probe(square($0[0])) }
        assertDerivatives([positive34]) { probe(pow($0[0], 1.7)) }
        assertDerivatives([a34]) { probe(pow($0[0], 3)) }
        assertDerivatives([a34 * 3]) { probe(sigmoid($0[0])) }
        assertDerivatives([a34 * 3]) { probe(silu($0[0])) }
        assertDerivatives([a34 * 2]) { probe(tanh($0[0])) }
    }

    func testPiecewiseFunctions() {
        // |x| ≥ 0.2 everywhere, so no component crosses a kink within the difference step.
        let awayFromZero = a34.withSign(offset: 0.2)
        assertDerivatives([awayFromZero]) { probe(abs($0[0])) }
        assertDerivatives([awayFromZero]) { probe(relu($0[0])) }
        assertDerivatives([awayFromZero * 2]) { probe(clamp($0[0], min: -1.1, max: 0.9)) }
        let mask = greater(randomTensor([3, 4], seed: 8), 0)
        assertDerivatives([a34, b34]) { probe(`where`(mask, $0[0], $0[1])) }
        assertDerivatives([a34, b34 + 3]) { probe(maximum($0[0], $0[1]) * minimum($0[0], $0[1])) }
    }

    func testLayoutOps() {
        let x = randomTensor([2, 3, 4], seed: 9)
        assertDerivatives([x]) { probe($0[0].reshaped([4, -1])) }
        assertDerivatives([x]) { probe($0[0].permuted([2, 0, 1])) }
        assertDerivatives([randomTensor([1, 3, 1, 4], seed: 11)]) { probe($0[0].permuted([2, 1, 0, 3])) }
        assertDerivatives([x]) { probe($0[0].transposed(0, 1)) }
        assertDerivatives([x]) { probe($0[0].expandedDimensions(axis: 1).squeezed(axis: 1)) }
        assertDerivatives([randomTensor([3, 1], seed: 10)]) { probe($0[0].broadcast(to: [2, 3, 4])) }
        assertDerivatives([x]) { probe($0[0].sum(toShape: [3, 1])) }
    }

    func testSlicingOps() {
        let x = randomTensor([2, 5, 3], seed: 11), y = randomTensor([2, 2, 3], seed: 12)
        assertDerivatives([x]) { probe($0[0].sliced(axis: 1, 1..<4)) }
        assertDerivatives([y]) { probe($0[0].padded(axis: 2, before: 1, after: 2)) }
        assertDerivatives([x, y]) { probe(concat([$0[0], $0[1], $0[0]], axis: 1)) }
        assertDerivatives([y, y * 2]) { probe(stack([$0[0], $0[1]], axis: 2)) }
    }

    func testReductions() {
        let x = randomTensor([2, 3, 4], seed: 13)
        assertDerivatives([x]) { probe($0[0].sum(axis: 1)) }
        assertDerivatives([x]) { probe($0[0].sum(axes: [0, 2], keepDims: true)) }
        assertDerivatives([x]) { probe($0[0].mean(axis: -1, keepDims: true)) }
        assertDerivatives([x]) { probe($0[0].mean()) }
        // Distinct values 0.3 apart: the arg-max cannot change within the difference step.
        let spread = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float(($0 * 7) % 24) * 0.3 - 3 })
        assertDerivatives([spread]) { probe($0[0].max(axis: 1)) }
        assertDerivatives([spread]) { probe($0[0].max(axis: -1, keepDims: true)) }
    }

    func testMatmulAllTransposes() {
        let m = 3, k = 4, n = 2
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let a = randomTensor(transposeA ? [k, m] : [m, k], seed: 14)
                let b = randomTensor(transposeB ? [n, k] : [k, n], seed: 15)
                assertDerivatives([a, b]) { probe(matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB)) }
            }
        }
    }

    /// A weight and an input each used by several products, under every transpose: outside a
    /// recorded pass their gradients are summed in place (sgemm with β = 1), which must agree with
    /// finite differences and with the recorded pass, which adds fresh tensors instead.
    func testMatmulGradientsAccumulateOverUses() {
        let x = randomTensor([3, 4], seed: 30), w = randomTensor([4, 4], seed: 31), v = randomTensor([4], seed: 32)
        let f: ([Tensor]) -> Tensor = { t in
            let (x, w) = (t[0], t[1])
            return probe(matmul(x, w), seed: 1) + probe(matmul(x, w, transposeB: true), seed: 2)
                + probe(matmul(w, x, transposeA: true, transposeB: true), seed: 3) + probe(matmul(w, x, transposeB: true), seed: 4)
                + probe(matmul(matmul(x, w), w, transposeB: true), seed: 5)
                + probe(matmul(t[2].reshaped([1, 4]), w), seed: 6) + probe(matmul(w, t[2].reshaped([4, 1])), seed: 7)
        }
        assertDerivatives([x, w, v], checkSecondOrder: false, f)
        let inputs = [x, w, v].map { $0.requiringGradient() }
        let summedInPlace = grad(of: f(inputs), wrt: inputs)
        let summedFresh = grad(of: f(inputs), wrt: inputs, createGraph: true)
        for (inPlace, fresh) in zip(summedInPlace, summedFresh) { assertClose(inPlace.scalars, fresh.scalars) }
    }

    func testBatchedMatmul() {
        let a = randomTensor([2, 3, 4], seed: 16), b = randomTensor([2, 4, 5], seed: 17)
        assertDerivatives([a, b]) { probe(matmul($0[0], $0[1])) }
        assertDerivatives([a, randomTensor([2, 5, 4], seed: 18)]) { probe(matmul($0[0], $0[1], transposeB: true)) }
        assertDerivatives([a, randomTensor([2, 3, 5], seed: 19)]) { probe(matmul($0[0], $0[1], transposeA: true)) }
        // A 2-D weight against a batched input (one flattened sgemm) and the reverse broadcast.
        assertDerivatives([a, randomTensor([4, 5], seed: 20)]) { probe(matmul($0[0], $0[1])) }
        assertDerivatives([randomTensor([5, 3], seed: 21), a]) { probe(matmul($0[0], $0[1])) }
    }

    func testSoftmaxFamily() {
        let x = randomTensor([3, 5], seed: 22, low: -2, high: 2)
        assertDerivatives([x]) { probe(softmax($0[0])) }
        assertDerivatives([x]) { probe(softmax($0[0], axis: 0)) }
        assertDerivatives([x]) { probe(logSoftmax($0[0])) }
        let mask = AttentionMask.additive(rows: 5, columns: 5) { $1 <= $0 }
        assertDerivatives([randomTensor([2, 5, 5], seed: 28)]) { probe(softmax($0[0], addingMask: mask)) }
        // The fused softmax backward is itself an op with two inputs; check it directly too.
        assertDerivatives([x, randomTensor([3, 5], seed: 23)]) { probe(softmaxBackward($0[1], softmax($0[0]))) }
    }

    func testNormalizationAndLosses() {
        let x = randomTensor([2, 3, 6], seed: 24), weight = randomTensor([6], seed: 25, low: 0.5, high: 1.5)
        assertDerivatives([x, weight]) { probe(rmsNorm($0[0], weight: $0[1], eps: 1e-5)) }
        assertDerivatives([x]) { probe(inverseRMS($0[0], eps: 1e-3)) }
        // Differences between 0.2 and 1.8 in magnitude, away from β = 1 by at least 0.1.
        let target = Tensor(shape: [2, 3, 6], scalars: (0..<36).map { i in
            let magnitude: Float = i % 2 == 0 ? 0.2 + Float(i % 5) * 0.15 : 1.1 + Float(i % 7) * 0.1
            return i % 3 == 0 ? magnitude : -magnitude
        })
        assertDerivatives([Tensor.zeros([2, 3, 6])]) { smoothL1Loss($0[0] + target, Tensor.zeros([2, 3, 6]), beta: 1) }
        assertDerivatives([x, weight.broadcast(to: [2, 3, 6])]) { mseLoss($0[0], $0[1]) }
        assertDerivatives([x]) { $0[0].smoothL1(beta: 5) }
    }

    func testRotaryEmbedding() {
        let x = randomTensor([2, 3, 2, 4], seed: 26)
        assertDerivatives([x]) { probe(rope($0[0], positions: [0, 5, 2], base: 100)) }
        assertDerivatives([x]) { probe(rope($0[0], positions: [1, 2, 3], base: 10_000, inverse: true)) }
    }

    func testEmbeddingLookup() {
        let table = randomTensor([5, 3], seed: 27)
        assertDerivatives([table]) { probe(embedding($0[0], indices: [4, 1, 1, 0, 4, 2], shape: [2, 3])) }
    }
}

private extension Tensor {
    /// Pushes each element at least `offset` away from zero, keeping its sign.
    func withSign(offset: Float) -> Tensor { self + sign(self) * offset }

    func smoothL1(beta: Float) -> Tensor { smoothL1Loss(self, Tensor.zeros(shape), beta: beta) }
}
