import XCTest
import Tensors
@testable import EBT

/// The optional parts of the training recipe (DESIGN.md): randomized step count and step size,
/// Langevin noise, truncation. Each must do what it says, or a trial of it measures nothing.
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

    /// Batches draw 2…3 steps and α·[1/1.5, 1.5] when asked to, covering the ranges; by default
    /// every batch thinks the trained steps at the learned α.
    func testBatchDrawsSpreadStepsAndStepSizeOnlyWhenAsked() {
        var generator = SeededGenerator(seed: 1)
        let plain = (0..<50).map { _ in TrainingOptions(thinkingSteps: 2).draw(using: &generator) }
        XCTAssertTrue(plain.allSatisfy { $0.thinkingSteps == 2 && $0.stepScale == 1 })
        let spread = (0..<400).map { _ in TrainingOptions(thinkingSteps: 2, extraSteps: 1, stepScaleSpread: 1.5).draw(using: &generator) }
        XCTAssertEqual(Set(spread.map(\.thinkingSteps)), [2, 3])
        let scales = spread.map(\.stepScale)
        XCTAssertGreaterThanOrEqual(scales.min()!, 1 / 1.5 - 1e-6)
        XCTAssertLessThanOrEqual(scales.max()!, 1.5 + 1e-6)
        XCTAssertLessThan(scales.min()!, 0.7)
        XCTAssertGreaterThan(scales.max()!, 1.4)
    }

    /// A step scale s makes the first step s times as long; Langevin noise σ adds N(0, σ²) to it.
    func testStepScaleAndLangevinNoiseShapeTheStep() {
        let (model, context, start) = setUp()
        let thinker = Thinker(model: model)
        func firstStep(scale: Float, noise: Float) -> Tensor {
            var g = SeededGenerator(seed: 3)
            return thinker.think(from: start, at: positions, context: context,
                                 options: ThinkingOptions(steps: 1, stepScale: scale, langevinNoise: noise), finalEnergy: false,
                                 using: &g).prediction - start
        }
        let step = firstStep(scale: 1, noise: 0), half = firstStep(scale: 0.5, noise: 0)
        XCTAssertGreaterThan(step.scalars.map { Swift.abs($0) }.max()!, 1e-3, "a step too small to test anything")
        for (a, b) in zip(half.scalars, step.scalars) { XCTAssertEqual(a, 0.5 * b, accuracy: 1e-5) }
        let noise = (firstStep(scale: 1, noise: 0.3) - step).scalars
        let std = (noise.map { $0 * $0 }.reduce(0, +) / Float(noise.count)).squareRoot()
        XCTAssertEqual(std, 0.3, accuracy: 0.03, "over \(noise.count) values")
    }

    /// Truncated thinking keeps the graph of the last step only: the weights' gradient of the
    /// final prediction is that of one step taken from the (fixed) point before it, and differs
    /// from the untruncated gradient.
    func testTruncatedThinkingBackPropagatesThroughTheLastStepOnly() {
        let (model, context, start) = setUp()
        let thinker = Thinker(model: model)
        func weightGradient(from point: Tensor, steps: Int, truncated: Bool) -> [Float] {
            var g = SeededGenerator(seed: 0)
            let thought = thinker.think(from: point, at: positions, context: context,
                                        options: ThinkingOptions(steps: steps, differentiable: true, truncated: truncated),
                                        finalEnergy: false, using: &g)
            let loss = mseLoss(thought.prediction, windows.sliced(axis: 1, 1..<7))
            return grad(of: loss, wrt: model.parameters).flatMap(\.scalars)
        }
        var g = SeededGenerator(seed: 0)
        let before = thinker.think(from: start, at: positions, context: context, options: ThinkingOptions(steps: 1),
                                   finalEnergy: false, using: &g).prediction.detached()
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
