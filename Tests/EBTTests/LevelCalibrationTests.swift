import XCTest
import PatchCodec
import Tensors
@testable import EBT

/// The level's per-patch features and the closed-form fit of the level to errors.
final class LevelCalibrationTests: XCTestCase {
    /// Two patches of 2 values each: the first changed by (3, 4) between the last two frames and
    /// the guess keeps it still; the guess moves the second by (1, 2) though it did not change.
    func testFeaturesAreTheObservedChangeAndTheGuessedChange() {
        let previous: [Float] = [1, 1, 1, 1]
        let last: [Float] = [4, 5, 1, 1]
        let anchor: [Float] = [4, 5, 2, 3]
        XCTAssertEqual(LevelFeatures.compute(last: last, previous: previous, anchor: anchor, embedding: 4, patches: 2),
                       [12.5, 0, 0, 2.5])
        // Two rows of one patch each are computed independently.
        XCTAssertEqual(LevelFeatures.compute(last: last, previous: previous, anchor: anchor, embedding: 2, patches: 1),
                       [12.5, 0, 0, 2.5])
    }

    /// Targets made exactly from known weights are recovered, whether added in one go or in parts.
    func testRecoversTheWeightsThatMadeTheTargets() throws {
        var generator = SeededGenerator(seed: 3)
        let count = 500, f = LevelFeatures.count
        let features = (0..<(count * f)).map { _ in Swift.abs(generator.nextNormal()) }
        let truth: [Float] = [0.7, -0.2]
        let targets = (0..<count).map { n in (0..<f).reduce(Float(0)) { $0 + truth[$1] * features[n * f + $1] } }
        var fit = LevelCalibration()
        fit.add(features: Array(features[..<(200 * f)]), targets: Array(targets[..<200]))
        fit.add(features: Array(features[(200 * f)...]), targets: Array(targets[200...]))
        XCTAssertEqual(fit.rows, count)
        let solved = try fit.solve()
        for (a, b) in zip(solved, truth) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    /// A feature that never varies gets weight zero instead of poisoning the solve.
    func testAFeatureThatNeverVariesGetsNoWeight() throws {
        var fit = LevelCalibration()
        fit.add(features: [1, 0, 2, 0, 3, 0], targets: [2, 4, 6])
        let solved = try fit.solve()
        XCTAssertEqual(solved[0], 2, accuracy: 1e-4)
        XCTAssertEqual(solved[1], 0)
    }

    /// Errors far outside Float's range fit a level that is not a number: refused, where it used
    /// to be written into the model.
    func testALevelThatIsNotAFiniteNumberIsRefused() {
        for (features, targets): ([Float], [Float]) in [([1e-3, 0, 1e-3, 0], [3e38, 3e38]), ([.nan, 1, 1, 1], [1, 1]), ([1, 0, 2, 1], [.infinity, 1])] {
            var fit = LevelCalibration()
            fit.add(features: features, targets: targets)
            XCTAssertThrowsError(try fit.solve(), "\(features) \(targets)") { XCTAssertEqual($0 as? NonFiniteOutput, NonFiniteOutput("fitted energy level")) }
        }
    }

    /// The level moves with the weights exactly as defined, and thinking does not move at all:
    /// the features are constants of the context.
    func testNewLevelChangesEnergiesByTheFeaturesAndLeavesThinkingAlone() {
        var generator = SeededGenerator(seed: 4)
        let model = EnergyModel(tinyConfig(), using: &generator)
        let frames = Tensor.randn([2, 6, 16], using: &generator)
        let context = withoutGradient { model.observe(frames) }
        let recalibrated = model.withLevel([2, -1])
        let start = context.previousFrames(at: [6])
        let options = ThinkingOptions(steps: 3)
        let before = Thinker(model: model).infer(from: start, at: [6], context: context, options: options)
        let after = Thinker(model: recalibrated).infer(from: start, at: [6], context: context, options: options)
        XCTAssertEqual(before.prediction.scalars, after.prediction.scalars, "thinking must not depend on the level")
        let features = model.levelFeatures(at: [6], context: context).scalars
        let terms = withoutGradient { model.evaluate(before.prediction, at: [6], context: context) }
        let (bowl, level) = (terms.bowl.scalars, terms.level.scalars)
        var expected: [Float] = []
        for i in 0..<8 {
            let fromFeatures: Float = 2 * features[2 * i] - features[2 * i + 1]
            expected.append(bowl[i] + level[i] + fromFeatures)
        }
        for (a, b) in zip(after.patchEnergies.last!.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertEqual(level, [Float](repeating: 0, count: 8), "an uncalibrated model has no level")
        XCTAssertGreaterThan(features.max()!, 0.1, "features too small to test anything")
    }

    /// A model file from before today's level (it has no level weights; it had a read-out of the
    /// state, which is now ignored) loads with zero level weights: the same predictions, and the
    /// bowl alone as energy until it is calibrated.
    func testAFileWithoutLevelWeightsLoadsWithZeros() throws {
        var generator = SeededGenerator(seed: 5)
        let model = EnergyModel(tinyConfig(), using: &generator).withLevel([0.5, 0.25])
        let grid = try PatchGrid(frameWidth: 32, frameHeight: 8, patchSize: 8)
        var basis = [Float](repeating: 0, count: grid.patchDimension * 4)
        for k in 0..<4 { basis[k * 4 + k] = 1 }
        let codec = try PatchCodec(grid: grid, mean: [Float](repeating: 0.5, count: grid.patchDimension), basis: basis, scale: [0.1, 0.1, 0.1, 0.1])
        var file = try ModelFile(network: .ebt(model), codec: codec).safetensors()
        file.entries["model.levelWeights"] = nil
        file.entries["model.energyHead.weight"] = .init(shape: [32, 1], values: [Float](repeating: 1, count: 32))
        let loaded = try ModelFile(file: file, path: "old.safetensors")
        guard case .ebt(let old) = loaded.network else { return XCTFail("not an EBT") }
        XCTAssertEqual(old.levelWeights.scalars, [0, 0])
        XCTAssertEqual(old.correctionHead.weight.scalars, model.correctionHead.weight.scalars)
        file.entries["model.correctionHead.weight"] = nil
        XCTAssertThrowsError(try ModelFile(file: file, path: "broken.safetensors"), "other parameters stay required")
    }
}
