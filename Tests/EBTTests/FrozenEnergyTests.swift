import XCTest
import Tensors
@testable import EBT

/// The hand-written inference path must compute what the autodiff graph defines.
final class FrozenEnergyTests: XCTestCase {
    /// A tiny EBT with every parameter moved off its initial value (gains off 1, biases off 0,
    /// heads non-negligible), so a term the hand-written path forgot or mis-signed would show.
    func scrambledModel(start: ThinkingStart = .lastFrame) -> EnergyModel {
        var generator = SeededGenerator(seed: 21)
        var config = tinyConfig()
        config.thinkingStart = start
        var model = EnergyModel(config, using: &generator)
        var parameters: [String: Tensor] = [:]
        for (name, tensor) in model.namedParameters where name != "logStepSize" {
            let noise = Tensor.randn(tensor.shape, std: 0.15, using: &generator)
            parameters[name] = tensor.detached() + noise
        }
        parameters["logStepSize"] = Tensor(shape: [1], scalars: [-1])
        try! model.loadParameters(parameters)
        return model
    }

    func assertClose(_ a: [Float], _ b: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        let scale = max(b.map { Swift.abs($0) }.max() ?? 1, 1e-3)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 2e-5 * scale, message, file: file, line: line) }
    }

    /// Energies and ∇ŷE of several candidates per context, at different positions, in a batch of
    /// two, for a bowl anchored at the last frame and at its linear extrapolation.
    func testEnergiesAndGradientsMatchTheGraph() {
        for start in [ThinkingStart.lastFrame, .linear] { checkEnergiesAndGradients(scrambledModel(start: start)) }
    }

    func checkEnergiesAndGradients(_ model: EnergyModel) {
        var generator = SeededGenerator(seed: 22)
        let frames = Tensor.randn([2, 6, 16], using: &generator)
        let candidates = Tensor.randn([2, 3, 16], using: &generator)
        let positions = [2, 6, 6]
        let context = withoutGradient { model.observe(frames) }
        let (energies, gradient) = withParametersFrozen { () -> (Tensor, Tensor) in
            let tracked = candidates.requiringGradient()
            let energies = model.patchEnergies(tracked, at: positions, context: context)
            return (energies, grad(of: energies.sum(), wrt: [tracked])[0])
        }
        let frozen = FrozenEnergy(model).energyAndGradient(candidates, at: positions, context: context)
        XCTAssertEqual(frozen.patchEnergies.shape, [2, 3, 4])
        assertClose(frozen.patchEnergies.scalars, energies.scalars, "per-patch energies")
        assertClose(frozen.gradient.scalars, gradient.scalars, "gradient with respect to the candidates")
        XCTAssertGreaterThan(gradient.scalars.map { Swift.abs($0) }.max()!, 0.1, "a gradient too small to test anything")
    }

    /// A whole thinking run, with and without early stopping, follows the graph's trajectory.
    func testThinkingFollowsTheGraphsTrajectory() {
        let model = scrambledModel()
        var generator = SeededGenerator(seed: 23)
        let frames = Tensor.randn([1, 6, 16], using: &generator)
        let context = withoutGradient { model.observe(frames) }
        let thinker = Thinker(model: model)
        let start = thinker.initialCandidates(.lastFrame, positions: [6, 6], context: context, using: &generator)
            + Tensor.randn([1, 2, 16], std: 0.3, using: &generator)
        for tolerance in [nil, Float(0.05)] {
            let options = ThinkingOptions(steps: 5, tolerance: tolerance)
            let reference = thinker.infer(from: start, at: [6, 6], context: context, options: options, using: &generator)
            let frozen = FrozenEnergy(model).think(from: start, at: [6, 6], context: context, options: options)
            XCTAssertEqual(frozen.candidates.count, reference.candidates.count, "steps taken with tolerance \(String(describing: tolerance))")
            for (a, b) in zip(frozen.candidates, reference.candidates) { assertClose(a.scalars, b.scalars, "candidates") }
            for (a, b) in zip(frozen.patchEnergies, reference.patchEnergies) { assertClose(a.scalars, b.scalars, "energies") }
            let energies = frozen.energies.map { $0.sum().item }
            XCTAssertNotEqual(energies.first, energies.last, "thinking did not move")
        }
    }
}
