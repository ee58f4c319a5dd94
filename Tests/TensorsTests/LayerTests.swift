import XCTest
@testable import Tensors

final class LayerTests: XCTestCase {
    let (batch, length, width, heads, hidden) = (2, 3, 8, 2, 12)

    func makeBlock(seed: UInt64 = 1) -> TransformerBlock {
        var generator = SeededGenerator(seed: seed)
        var block = TransformerBlock(width, heads: heads, hiddenSize: hidden, ropeBase: 100, using: &generator)
        // Non-trivial norm gains, so their gradients are exercised away from 1.
        block.attentionNorm.weight = Tensor.uniform([width], low: 0.7, high: 1.3, using: &generator).asParameter()
        block.feedForwardNorm.weight = Tensor.uniform([width], low: 0.7, high: 1.3, using: &generator).asParameter()
        return block
    }

    func input(seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randn([batch, length, width], using: &generator).asParameter()
    }

    func testParameterNamesAndLoading() throws {
        let block = makeBlock()
        let names = block.namedParameters.map(\.name)
        XCTAssertEqual(names, ["attentionNorm.weight", "attention.query.weight", "attention.key.weight",
                               "attention.value.weight", "attention.output.weight", "feedForwardNorm.weight",
                               "feedForward.gate.weight", "feedForward.up.weight", "feedForward.down.weight"])
        XCTAssertEqual(block.parameterCount, 2 * width + 4 * width * width + 3 * width * hidden)
        var other = makeBlock(seed: 2)
        try other.loadParameters(Dictionary(uniqueKeysWithValues: block.namedParameters.map { ($0.name, $0.tensor) }))
        for ((_, a), (_, b)) in zip(block.namedParameters, other.namedParameters) { XCTAssertEqual(a.scalars, b.scalars) }
        XCTAssertTrue(other.parameters.allSatisfy(\.requiresGradient))
        var broken = Dictionary(uniqueKeysWithValues: block.namedParameters.map { ($0.name, $0.tensor) })
        broken["feedForward.up.weight"] = Tensor.zeros([2, 2])
        XCTAssertThrowsError(try other.loadParameters(broken)) {
            XCTAssertEqual($0 as? LayerError, .shapeMismatch(name: "feedForward.up.weight", expected: [width, hidden], actual: [2, 2]))
        }
        broken["feedForward.up.weight"] = nil
        XCTAssertThrowsError(try other.loadParameters(broken))
        var linear = Linear(3, 2, using: &SeededGeneratorBox.shared.generator)
        XCTAssertEqual(linear.namedParameters.map(\.name), ["weight", "bias"])
        try linear.loadParameters(["weight": Tensor.ones([3, 2]), "bias": Tensor([1, 2])])
        XCTAssertEqual(linear(Tensor.ones([4, 3])).scalars, [4, 5, 4, 5, 4, 5, 4, 5])
    }

    func testCrossStreamAttentionEqualsMaskedAttentionOverBothStreams() {
        let block = makeBlock()
        let observed = input(seed: 3).detached(), predicted = input(seed: 4).detached()
        let observedPositions = Array(0..<length), predictedPositions = Array(1...length)
        // Candidate i sees observed 0...i and itself.
        let mask = AttentionMask.additive(rows: length, columns: 2 * length) { i, j in j < length ? j <= i : j - length == i }
        let prefix = block.forward(observed, positions: observedPositions, mask: AttentionMask.causal(length)).keyValues
        let crossStream = block.forward(predicted, positions: predictedPositions, mask: mask, prefix: prefix).output

        let joint = concat([observed, predicted], axis: 1)
        let jointMask = AttentionMask.additive(rows: 2 * length, columns: 2 * length) { i, j in
            i < length ? j <= i : (j < length ? j <= i - length : j == i)
        }
        let full = block(joint, positions: observedPositions + predictedPositions, mask: jointMask)
        assertClose(crossStream.scalars, full.sliced(axis: 1, length..<(2 * length)).scalars, tolerance: 1e-5)

        // A blocked key cannot influence the output: change the last observed frame, candidate 0 stays.
        var changed = observed
        changed.withUnsafeMutableBufferPointer { buffer in for i in (2 * width)..<(3 * width) { buffer[i] += 5 } }
        let changedPrefix = block.forward(changed, positions: observedPositions, mask: AttentionMask.causal(length)).keyValues
        let again = block.forward(predicted, positions: predictedPositions, mask: mask, prefix: changedPrefix).output
        assertClose(again.sliced(axis: 1, 0..<1).sliced(axis: 0, 0..<1).scalars,
                    crossStream.sliced(axis: 1, 0..<1).sliced(axis: 0, 0..<1).scalars)
        XCTAssertNotEqual(again.sliced(axis: 1, 2..<3).scalars, crossStream.sliced(axis: 1, 2..<3).scalars)
    }

    /// A whole pre-norm block (RMSNorm, RoPE attention with a causal mask, SwiGLU, residuals):
    /// gradients in all weights and the input, and Hessian-vector products.
    func testTransformerBlockDerivatives() {
        let block = makeBlock()
        let x = input(seed: 5)
        let check = ModelCheck(parameters: block.parameters + [x]) {
            probe(block(x, positions: [0, 1, 2], mask: AttentionMask.causal(3)), seed: 11)
        }
        for error in check.directionalErrors() { XCTAssertLessThanOrEqual(error, 1e-3) }
        XCTAssertLessThanOrEqual(check.hessianVectorError(), 1e-2)
    }

    /// The EBT pattern: two steps ŷ ← ŷ − α∇ŷE(x, ŷ) with E a transformer block (the candidates
    /// attend to the observed stream) and a linear head, then smooth L1 against a target,
    /// differentiated with respect to every weight and α.
    func testEnergyDescentLossDerivatives() {
        var generator = SeededGenerator(seed: 8)
        let block = makeBlock()
        let head = Linear(width, 1, using: &generator)
        let alpha = Tensor(0.5).asParameter()
        let observed = Tensor.randn([batch, length, width], using: &generator)
        let start = Tensor.randn([batch, length, width], std: 0.3, using: &generator)
        let target = start + Tensor.randn([batch, length, width], std: 0.2, using: &generator)
        let mask = AttentionMask.additive(rows: length, columns: 2 * length) { i, j in j < length ? j <= i : j - length == i }

        func loss() -> Tensor {
            let prefix = block.forward(observed, positions: Array(0..<length), mask: AttentionMask.causal(length)).keyValues
            func energy(_ y: Tensor) -> Tensor {
                head(block.forward(y, positions: Array(1...length), mask: mask, prefix: prefix).output).sum()
            }
            var y = start.requiringGradient()
            for _ in 0..<2 {
                let gradient = grad(of: energy(y), wrt: [y], createGraph: true)[0]
                y = y - alpha * gradient
            }
            // β = 4 keeps every residual in the quadratic part, so the finite differences see a
            // smooth function; the kink itself is covered by the op tests.
            return smoothL1Loss(y, target, beta: 4)
        }
        let parameters = block.parameters + head.parameters + [alpha]
        let gradients = grad(of: loss(), wrt: parameters)
        XCTAssertNotEqual(gradients.last!.item, 0, "α must receive a gradient")
        let check = ModelCheck(parameters: parameters, loss: loss)
        // The loss goes through two gradient steps, so it curves sharply: a 3e-3 difference step
        // (Richardson-extrapolated) resolves it, 1e-2 does not.
        for error in check.directionalErrors(directions: 4, step: 3e-3) { XCTAssertLessThanOrEqual(error, 1e-3) }
        // α alone, as its learning rate differs.
        let alphaOnly = ModelCheck(parameters: [alpha], loss: loss)
        for error in alphaOnly.directionalErrors(directions: 1, step: 3e-3) { XCTAssertLessThanOrEqual(error, 1e-3) }
    }
}

/// A shared generator for tests that only need some random weights.
final class SeededGeneratorBox {
    static let shared = SeededGeneratorBox()
    var generator = SeededGenerator(seed: 123)
}
