import XCTest
@testable import Tensors

/// The fused attention op against the same attention composed of permutes, products and softmax:
/// values, first derivatives (the fused loops) and second derivatives (the composed derivatives a
/// recorded backward pass uses).
final class AttentionTests: XCTestCase {
    /// 3 batch elements, 2 queries attending to 5 keys, 2 heads of size 4, and a mask that blocks
    /// some keys per query.
    private let mask = AttentionMask.additive(rows: 2, columns: 5) { row, column in column != row + 1 }
    private let scale: Float = 0.5

    private func inputs(seed: UInt64) -> (q: Tensor, k: Tensor, v: Tensor) {
        var generator = SeededGenerator(seed: seed)
        return (Tensor.randn([3, 2, 2, 4], using: &generator), Tensor.randn([3, 5, 2, 4], using: &generator),
                Tensor.randn([3, 5, 2, 4], using: &generator))
    }

    /// Attention as products on [batch, heads, seq, size], the form the fused op replaced.
    private func composed(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Tensor {
        let scores = matmul(q.permuted([0, 2, 1, 3]) * scale, k.permuted([0, 2, 1, 3]), transposeB: true)
        return matmul(softmax(scores, addingMask: mask), v.permuted([0, 2, 1, 3])).permuted([0, 2, 1, 3])
    }

    private func fused(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Tensor {
        attention(queries: q, keys: k, values: v, mask: mask, scale: scale)
    }

    private func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ message: String) {
        XCTAssertEqual(a.count, b.count, message)
        let error = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(error, tolerance * max(1, b.map(abs).max() ?? 0), message)
    }

    func testValuesMatchTheComposedOps() {
        let (q, k, v) = inputs(seed: 1)
        let a = fused(q, k, v), b = composed(q, k, v)
        XCTAssertEqual(a.shape, b.shape)
        assertClose(a.scalars, b.scalars, 1e-5, "values")
        // A blocked key has no influence: changing it leaves the output as it was.
        var changed = v.scalars
        for h in 0..<2 { for d in 0..<4 { changed[((0 * 5 + 1) * 2 + h) * 4 + d] += 10 } }  // key 1 is blocked for query 0
        let moved = fused(q, k, Tensor(shape: v.shape, scalars: changed))
        XCTAssertEqual(Array(moved.scalars[0..<8]), Array(a.scalars[0..<8]))
        XCTAssertNotEqual(Array(moved.scalars[8..<16]), Array(a.scalars[8..<16]), "query 1 sees key 1")
    }

    /// The fused first derivatives, with a weighting that makes every output count differently.
    func testGradientsMatchTheComposedOps() {
        let (q, k, v) = inputs(seed: 2)
        var generator = SeededGenerator(seed: 3)
        let weight = Tensor.randn(q.shape, using: &generator)
        func gradients(_ f: (Tensor, Tensor, Tensor) -> Tensor) -> [Tensor] {
            let leaves = [q, k, v].map { $0.requiringGradient() }
            return grad(of: (f(leaves[0], leaves[1], leaves[2]) * weight).sum(), wrt: leaves)
        }
        for (n, (a, b)) in zip(gradients(fused), gradients(composed)).enumerated() {
            XCTAssertEqual(a.shape, b.shape)
            assertClose(a.scalars, b.scalars, 1e-5, "input \(n)")
            XCTAssertGreaterThan(b.scalars.map(abs).max()!, 1e-2, "input \(n): a gradient too small to test anything")
        }
    }

    /// The gradient of a gradient, as training through thinking takes it: ‖∂L/∂q‖² differentiated
    /// with respect to q, k and v, through the fused op and through the composed one.
    func testSecondDerivativesMatchTheComposedOps() {
        let (q, k, v) = inputs(seed: 4)
        var generator = SeededGenerator(seed: 5)
        let weight = Tensor.randn(q.shape, using: &generator)
        func secondOrder(_ f: (Tensor, Tensor, Tensor) -> Tensor) -> [Tensor] {
            let leaves = [q, k, v].map { $0.requiringGradient() }
            let first = grad(of: (f(leaves[0], leaves[1], leaves[2]) * weight).sum(), wrt: [leaves[0]], createGraph: true)[0]
            return grad(of: square(first).sum(), wrt: leaves)
        }
        for (n, (a, b)) in zip(secondOrder(fused), secondOrder(composed)).enumerated() {
            assertClose(a.scalars, b.scalars, 1e-4, "input \(n)")
            XCTAssertGreaterThan(b.scalars.map(abs).max()!, 1e-3, "input \(n): a second derivative too small to test anything")
        }
    }

    /// With the higher-order hint the op records the composed forward: the same values and the
    /// same second derivatives as without it.
    func testTheHigherOrderHintChangesNothingButTheRecordedForm() {
        let (q, k, v) = inputs(seed: 7)
        var generator = SeededGenerator(seed: 8)
        let weight = Tensor.randn(q.shape, using: &generator)
        func secondOrder(hinted: Bool) -> (Tensor, [Tensor]) {
            let leaves = [q, k, v].map { $0.requiringGradient() }
            let out = hinted ? expectingHigherOrderGradients { fused(leaves[0], leaves[1], leaves[2]) } : fused(leaves[0], leaves[1], leaves[2])
            let first = grad(of: (out * weight).sum(), wrt: [leaves[1]], createGraph: true)[0]
            return (out, grad(of: square(first).sum(), wrt: leaves))
        }
        let (plain, plainSecond) = secondOrder(hinted: false), (hinted, hintedSecond) = secondOrder(hinted: true)
        assertClose(hinted.scalars, plain.scalars, 1e-5, "values")
        for (n, (a, b)) in zip(hintedSecond, plainSecond).enumerated() { assertClose(a.scalars, b.scalars, 1e-4, "input \(n)") }
    }

    /// A second gradient request with another output gradient is not served from the first's cache.
    func testEachBackwardPassGetsItsOwnGradients() {
        let (q, k, v) = inputs(seed: 6)
        let leaves = [q, k, v].map { $0.requiringGradient() }
        let out = fused(leaves[0], leaves[1], leaves[2])
        let once = grad(of: out.sum(), wrt: leaves)[2].scalars
        let twice = grad(of: (out * 2).sum(), wrt: leaves)[2].scalars
        assertClose(twice, once.map { 2 * $0 }, 1e-6, "values gradient scales with the output gradient")
    }
}
