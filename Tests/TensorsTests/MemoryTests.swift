import XCTest
@testable import Tensors

/// Graphs must be freed with their last tensor: no cycles between nodes, outputs and closures.
final class MemoryTests: XCTestCase {
    func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// 2000 training steps of a small block, each with the EBT's double backward and an AdamW
    /// update; resident memory after warm-up stays within 10%.
    func testTrainingStepsDoNotLeak() {
        var generator = SeededGenerator(seed: 1)
        let block = TransformerBlock(16, heads: 2, hiddenSize: 32, using: &generator)
        let alpha = Tensor(0.1).asParameter()
        let x = Tensor.randn([2, 8, 16], using: &generator), target = Tensor.randn([2, 8, 16], using: &generator)
        let parameters = block.namedParameters + [("alpha", alpha)]
        var optimizer = AdamW(learningRate: 1e-3)
        let mask = AttentionMask.causal(8)
        var baseline = 0
        for step in 0..<2000 {
            if step == 200 { baseline = residentBytes() }
            var y = x.requiringGradient()
            let energy = block(y, positions: Array(0..<8), mask: mask).sum()
            y = y - alpha * grad(of: energy, wrt: [y], createGraph: true)[0]
            let gradients = grad(of: smoothL1Loss(y, target), wrt: parameters.map(\.1))
            optimizer.update(parameters, gradients: gradients)
        }
        let final = residentBytes()
        XCTAssertGreaterThan(baseline, 0)
        XCTAssertLessThanOrEqual(Double(final), 1.1 * Double(baseline), "RSS grew from \(baseline) to \(final) bytes")
    }
}
