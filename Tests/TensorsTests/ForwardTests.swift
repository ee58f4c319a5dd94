import XCTest
@testable import Tensors

/// Forward values against direct computations (the derivative tests only check consistency of
/// gradients with whatever the forward computes).
final class ForwardTests: XCTestCase {
    func testCreationAndCopyOnWrite() {
        var a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = a
        a.withUnsafeMutableBufferPointer { $0[0] = 10 }
        XCTAssertEqual(a.scalars, [10, 2, 3, 4])
        XCTAssertEqual(b.scalars, [1, 2, 3, 4], "a copy must not see a later write")
        XCTAssertEqual(Tensor.full([3], 2).scalars, [2, 2, 2])
        XCTAssertEqual(Tensor(5).item, 5)
        XCTAssertEqual(Tensor.zeros([2, 3]).count, 6)
    }

    func testSeededRandomIsDeterministic() {
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42)
        XCTAssertEqual(Tensor.randn([100], using: &g1).scalars, Tensor.randn([100], using: &g2).scalars)
        var g3 = SeededGenerator(seed: 1)
        let sample = Tensor.randn([20_000], std: 2, using: &g3).scalars
        let mean = sample.reduce(0, +) / Float(sample.count)
        let variance = sample.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(sample.count)
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(variance.squareRoot(), 2, accuracy: 0.05)
        let uniform = Tensor.uniform([1000], low: -1, high: 3, using: &g3).scalars
        XCTAssertTrue(uniform.allSatisfy { $0 >= -1 && $0 < 3 })
    }

    func testBroadcastingValues() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual((a + Tensor([10, 20, 30])).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((a * Tensor(shape: [2, 1], scalars: [1, -1])).scalars, [1, 2, 3, -4, -5, -6])
        XCTAssertEqual((Tensor(shape: [3, 1], scalars: [1, 2, 3]) - Tensor([1, 2])).shape, [3, 2])
        XCTAssertEqual((a / 2).scalars, [0.5, 1, 1.5, 2, 2.5, 3])
        // Large enough to take the two-thread path, and a broadcast that is not a whole row.
        let big = Tensor.ones([64, 1024]) * Tensor.full([1, 1024], 3)
        XCTAssertTrue(big.scalars.allSatisfy { $0 == 3 })
    }

    func testUnaryValues() {
        let x: [Float] = [-3, -0.5, 0, 0.7, 2, 20, -90, 80]
        let t = Tensor(x)
        assertClose(exp(t).scalars, x.map { Foundation.exp($0) }, tolerance: 1e-6)
        assertClose(sigmoid(t).scalars, x.map { 1 / (1 + Foundation.exp(-$0)) }, tolerance: 1e-6)
        assertClose(silu(t).scalars, x.map { $0 / (1 + Foundation.exp(-$0)) }, tolerance: 1e-6)
        assertClose(tanh(t).scalars, x.map { Foundation.tanh($0) })
        assertClose(abs(t).scalars, x.map { Swift.abs($0) })
        assertClose(clamp(t, min: -1, max: 1).scalars, x.map { Swift.min(Swift.max($0, -1), 1) })
        assertClose(rsqrt(Tensor([4, 0.25])).scalars, [0.5, 2])
        assertClose(pow(Tensor([2, 3]), 3).scalars, [8, 27])
        // exp over a long range, vector body and tail.
        let range = (0..<37).map { Float($0) * 4.5 - 80 }
        assertClose(exp(Tensor(range)).scalars, range.map { Foundation.exp($0) }, tolerance: 3e-7)
    }

    func testReductionValues() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])
        XCTAssertEqual(x.sum().item, 21)
        XCTAssertEqual(x.sum(axis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(x.sum(axis: 1, keepDims: true).shape, [2, 1])
        XCTAssertEqual(x.mean(axis: 1).scalars, [3, 4])
        XCTAssertEqual(x.max(axis: 1).scalars, [5, 6])
        XCTAssertEqual(x.max(axis: 0).scalars, [4, 5, 6])
        let long = Tensor((0..<1000).map { Float($0 % 7) })
        XCTAssertEqual(long.sum().item, Float((0..<1000).reduce(0) { $0 + $1 % 7 }))
    }

    func testLayoutValues() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.transposed().scalars, [1, 4, 2, 5, 3, 6])
        let y = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        let p = y.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p.scalars[0..<6], [0, 4, 8, 12, 16, 20])
        // Moving only size-1 axes keeps the element order (the no-copy path); moving others does not.
        let single = Tensor(shape: [1, 1, 3, 2], scalars: (0..<6).map(Float.init))
        XCTAssertEqual(single.permuted([0, 2, 1, 3]).shape, [1, 3, 1, 2])
        XCTAssertEqual(single.permuted([0, 2, 1, 3]).scalars, single.scalars)
        XCTAssertEqual(single.permuted([0, 1, 3, 2]).scalars, [0, 2, 4, 1, 3, 5])
        XCTAssertEqual(x.sliced(axis: 1, 1..<3).scalars, [2, 3, 5, 6])
        XCTAssertEqual(x.padded(axis: 0, before: 1, after: 0).scalars, [0, 0, 0, 1, 2, 3, 4, 5, 6])
        XCTAssertEqual(concat([x, x * 10], axis: 1).scalars, [1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60])
        XCTAssertEqual(stack([Tensor([1, 2]), Tensor([3, 4])], axis: 1).scalars, [1, 3, 2, 4])
        XCTAssertEqual(x.reshaped([3, -1]).shape, [3, 2])
        XCTAssertEqual(Tensor([1, 2]).broadcast(to: [2, 2]).scalars, [1, 2, 1, 2])
        let mask = Tensor([1, 0, 1])
        XCTAssertEqual(`where`(mask, Tensor([1, 2, 3]), Tensor(-.infinity)).scalars, [1, -.infinity, 3])
    }

    /// c = op(a) · op(b) by the definition, for `batch` stacked products.
    private func naiveProduct(_ a: [Float], _ b: [Float], batch: Int, m: Int, k: Int, n: Int,
                              transposeA: Bool, transposeB: Bool) -> [Float] {
        var expected: [Float] = []
        for item in 0..<batch {
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Float = 0
                    for l in 0..<k {
                        let x = transposeA ? a[item * k * m + l * m + i] : a[item * m * k + i * k + l]
                        let y = transposeB ? b[item * n * k + j * k + l] : b[item * k * n + l * n + j]
                        sum += x * y
                    }
                    expected.append(sum)
                }
            }
        }
        return expected
    }

    func testMatmulAgainstNaive() {
        var generator = SeededGenerator(seed: 3)
        // (1, k, n) and (m, k, 1) take the matrix–vector path; the others go to sgemm. The last
        // four are large enough to be cut into blocks over the cores: by rows, by columns, and
        // into matrix–vector blocks of one row or one column.
        for (m, k, n) in [(5, 7, 3), (1, 7, 3), (5, 7, 1), (1, 7, 1),
                          (300, 160, 200), (20, 800, 600), (1, 4200, 2000), (2000, 4200, 1)] {
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = Tensor.randn(transposeA ? [2, k, m] : [2, m, k], using: &generator)
                let b = Tensor.randn(transposeB ? [2, n, k] : [2, k, n], using: &generator)
                let c = matmul(a, b, transposeA: transposeA, transposeB: transposeB)
                XCTAssertEqual(c.shape, [2, m, n])
                let expected = naiveProduct(a.scalars, b.scalars, batch: 2, m: m, k: k, n: n,
                                            transposeA: transposeA, transposeB: transposeB)
                assertClose(c.scalars, expected, tolerance: 1e-3 * Float(k).squareRoot())
            }
        }
        // Linear layer form: [2, 3, 4] · [4, 2] is the same as two separate products.
        let x = Tensor.randn([2, 3, 4], using: &generator), w = Tensor.randn([4, 2], using: &generator)
        let flat = matmul(x, w)
        XCTAssertEqual(flat.shape, [2, 3, 2])
        assertClose(flat.sliced(axis: 0, 1..<2).scalars, matmul(x.sliced(axis: 0, 1..<2).reshaped([3, 4]), w).scalars)
    }

    /// The gradients of a product large enough to be cut into blocks, which are added straight
    /// into the running sums, against the definition: ∂/∂a = w · bᵀ and ∂/∂b = aᵀ · w.
    func testLargeMatmulGradientsAgainstNaive() {
        var generator = SeededGenerator(seed: 4)
        let (m, k, n) = (300, 160, 200)
        let a = Tensor.randn([m, k], using: &generator).requiringGradient()
        let b = Tensor.randn([k, n], using: &generator).requiringGradient()
        let w = Tensor.randn([m, n], using: &generator)
        let gradients = grad(of: (matmul(a, b) * w).sum(), wrt: [a, b])
        assertClose(gradients[0].scalars, naiveProduct(w.scalars, b.scalars, batch: 1, m: m, k: n, n: k,
                                                       transposeA: false, transposeB: true), tolerance: 2e-2)
        assertClose(gradients[1].scalars, naiveProduct(a.scalars, w.scalars, batch: 1, m: k, k: m, n: n,
                                                       transposeA: true, transposeB: false), tolerance: 2e-2)
    }

    func testSoftmaxIsStableAndNormalized() {
        let x = Tensor(shape: [2, 11], scalars: (0..<22).map { Float($0) * 100 })
        let y = softmax(x)
        XCTAssertTrue(y.scalars.allSatisfy { $0.isFinite })
        assertClose(y.sum(axis: 1).scalars, [1, 1])
        let small = softmax(Tensor([1, 2, 3, -.infinity]))
        let e = [Foundation.exp(Float(-2)), Foundation.exp(Float(-1)), 1]
        let total = e.reduce(0, +)
        assertClose(small.scalars, e.map { $0 / total } + [0])
        let scores = Tensor.randn([2, 3, 4], using: &SeededGeneratorBox.shared.generator)
        let mask = AttentionMask.additive(rows: 3, columns: 4) { $1 <= $0 + 1 }
        assertClose(softmax(scores, addingMask: mask).scalars, softmax(scores + mask).scalars, tolerance: 1e-6)
        assertClose(exp(logSoftmax(Tensor([0.5, -1, 2]))).scalars, softmax(Tensor([0.5, -1, 2])).scalars)
    }

    func testRMSNormAndLossValues() {
        let x = Tensor(shape: [1, 4], scalars: [1, -2, 3, -4])
        let rms = ((1 + 4 + 9 + 16) / 4 as Float).squareRoot()
        assertClose(rmsNorm(x, weight: Tensor([1, 1, 2, 2]), eps: 0).scalars, [1 / rms, -2 / rms, 6 / rms, -8 / rms])
        let prediction = Tensor([0, 0, 0]), target = Tensor([0.5, -2, 3])
        assertClose([smoothL1Loss(prediction, target).item], [(0.125 + 1.5 + 2.5) / 3])
        assertClose([mseLoss(prediction, target).item], [(0.25 + 4 + 9) / 3])
    }

    func testRopeRotatesPairsAndKeepsRelativePositions() {
        var generator = SeededGenerator(seed: 5)
        let q = Tensor.randn([1, 1, 1, 8], using: &generator), k = Tensor.randn([1, 1, 1, 8], using: &generator)
        func score(_ qp: Int, _ kp: Int) -> Float {
            (rope(q, positions: [qp]) * rope(k, positions: [kp])).sum().item
        }
        XCTAssertEqual(score(3, 1), score(10, 8), accuracy: 1e-4, "attention scores depend on relative position only")
        XCTAssertNotEqual(score(3, 1), score(3, 2))
        assertClose(rope(q, positions: [0]).scalars, q.scalars)
        let rotated = rope(q, positions: [7])
        assertClose([(rotated * rotated).sum().item], [(q * q).sum().item], tolerance: 1e-5)
        assertClose(rope(rotated, positions: [7], inverse: true).scalars, q.scalars, tolerance: 1e-5)
        // Position 1 rotates dimension 0 (paired with 4) by exactly 1 radian.
        let unit = Tensor(shape: [1, 1, 1, 8], scalars: [1, 0, 0, 0, 0, 0, 0, 0])
        let turned = rope(unit, positions: [1]).scalars
        XCTAssertEqual(turned[0], Foundation.cos(1), accuracy: 1e-6)
        XCTAssertEqual(turned[4], Foundation.sin(1), accuracy: 1e-6)
    }

    func testEmbeddingGathersRows() {
        let table = Tensor(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21])
        XCTAssertEqual(embedding(table, indices: [2, 0, 2]).scalars, [20, 21, 0, 1, 20, 21])
    }
}
