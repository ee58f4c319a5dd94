import XCTest
import Tensors
@testable import EBT

/// The optional parts of the training recipe (DESIGN.md): truncation. Each must do what it says,
/// or a trial of it measures nothing.
final class ThinkingRecipeTests: XCTestCase {
    let windows = rotatingWindows(batch: 3, length: 7, embedding: 16, seed: 41, noise: 0.2)
    let positions = Array(1...6)

    func setUp(seed: UInt64 = 5) -> (model: EnergyModel, context: ObservedContext, start: Tensor) {
        var generator = SeededGenerator(seed: seed)
        let model = EnergyModel(tinyConfig(), using: &generator)
        let context = model.observe(windows.sliced(axis: 1, 0..<6))
        let start = Thinker(model: model).initialCandidates(.lastFrame, positions: positions, context: context, using: &generator)
        return (model, context, start)
    }

    /// Truncated thinking keeps the graph of the last step only: the weights' gradient of the
    /// final prediction is that of one step taken from the (fixed) point before it, and differs
    /// from the untruncated gradient.
    func testTruncatedThinkingBackPropagatesThroughTheLastStepOnly() {
        let (model, context, start) = setUp()
        let thinker = Thinker(model: model)
        func weightGradient(from point: Tensor, steps: Int, truncated: Bool) -> [Float] {
            let thought = thinker.think(from: point, at: positions, context: context,
                                        options: ThinkingOptions(steps: steps, differentiable: true, truncated: truncated),
                                        finalEnergy: false)
            let loss = mseLoss(thought.prediction, windows.sliced(axis: 1, 1..<7))
            return grad(of: loss, wrt: model.parameters).flatMap(\.scalars)
        }
        let before = thinker.think(from: start, at: positions, context: context, options: ThinkingOptions(steps: 1),
                                   finalEnergy: false).prediction.detached()
        XCTAssertGreaterThan(mseLoss(before, start).item, 1e-8, "the first step should move")
        let truncated = weightGradient(from: start, steps: 2, truncated: true)
        let lastStepOnly = weightGradient(from: before, steps: 1, truncated: false)
        let full = weightGradient(from: start, steps: 2, truncated: false)
        let scale = lastStepOnly.map { Swift.abs($0) }.max()!
        XCTAssertGreaterThan(scale, 1e-4)
        for (a, b) in zip(truncated, lastStepOnly) { XCTAssertEqual(a, b, accuracy: 1e-4 * scale) }
        XCTAssertGreaterThan(zip(full, lastStepOnly).map { Swift.abs($0 - $1) }.max()!, 1e-2 * scale)
    }
}
