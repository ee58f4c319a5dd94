import XCTest
import PatchCodec
import Tensors
@testable import EBT

/// The level's per-patch features and the closed-form fit of the level to errors.
final class LevelCalibrationTests: XCTestCase {
    /// A 2×2 grid of patches with 2 values each: only patch 3 (bottom right) changed, by (3, 4).
    func testFeaturesAreTheObservedChangeAndItsNeighbourhoodMean() {
        var last = [Float](repeating: 1, count: 8)
        let previous = last
        last[6] += 3
        last[7] += 4
        let features = LevelFeatures.compute(last: last, previous: previous, embedding: 8, patches: 4, columns: 2)
        XCTAssertEqual(features.count, 4 * LevelFeatures.count)
        // Feature 0: ½‖change‖² = 12.5 on patch 3 only; feature 1: its mean over each 3×3
        // neighbourhood, which on a 2×2 grid is all four patches.
        XCTAssertEqual(stride(from: 0, to: 8, by: 2).map { features[$0] }, [0, 0, 0, 12.5])
        XCTAssertEqual(stride(from: 1, to: 8, by: 2).map { features[$0] }, [3.125, 3.125, 3.125, 3.125])
        // On a 1×4 row the ends see two patches, the middle ones three.
        let row = LevelFeatures.compute(last: last, previous: previous, embedding: 8, patches: 4, columns: 4)
        XCTAssertEqual(stride(from: 1, to: 8, by: 2).map { row[$0] }, [0, 0, 12.5 / 3, 12.5 / 2])
    }

    /// Targets made exactly from a known scale and weights are recovered.
    func testRecoversTheScaleAndWeightsThatMadeTheTargets() throws {
        var generator = SeededGenerator(seed: 3)
        let count = 500, f = LevelFeatures.count
        let readout = (0..<count).map { _ in generator.nextNormal() }
        let features = (0..<(count * f)).map { _ in Swift.abs(generator.nextNormal()) }
        let truth: (Float, [Float]) = (0.3, [0.7, -0.2])
        let targets = (0..<count).map { n in truth.0 * readout[n] + (0..<f).reduce(Float(0)) { $0 + truth.1[$1] * features[n * f + $1] } }
        var fit = LevelCalibration()
        fit.add(readout: Array(readout[..<200]), features: Array(features[..<(200 * f)]), targets: Array(targets[..<200]))
        fit.add(readout: Array(readout[200...]), features: Array(features[(200 * f)...]), targets: Array(targets[200...]))
        XCTAssertEqual(fit.rows, count)
        let solved = try fit.solve()
        XCTAssertEqual(solved.readoutScale, truth.0, accuracy: 1e-4)
        for (a, b) in zip(solved.featureWeights, truth.1) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    /// A column that never varies gets weight zero instead of poisoning the solve.
    func testAFeatureThatNeverVariesGetsNoWeight() throws {
        var fit = LevelCalibration()
        fit.add(readout: [1, 2, 3], features: [Float](repeating: 0, count: 3 * LevelFeatures.count), targets: [2, 4, 6])
        let solved = try fit.solve()
        XCTAssertEqual(solved.readoutScale, 2, accuracy: 1e-4)
        XCTAssertEqual(solved.featureWeights, [Float](repeating: 0, count: LevelFeatures.count))
    }

    /// Errors or read-outs far outside Float's range fit a level that is not a number: refused,
    /// where it used to be written into the model.
    func testALevelThatIsNotAFiniteNumberIsRefused() {
        let zeros = [Float](repeating: 0, count: 2 * LevelFeatures.count)
        for (readout, targets): ([Float], [Float]) in [([1e-3, 1e-3], [3e38, 3e38]), ([.nan, 1], [1, 1]), ([1, 2], [.infinity, 1])] {
            var fit = LevelCalibration()
            fit.add(readout: readout, features: zeros, targets: targets)
            XCTAssertThrowsError(try fit.solve(), "\(readout) \(targets)") { XCTAssertEqual($0 as? NonFiniteOutput, NonFiniteOutput("fitted energy level")) }
        }
    }

    /// The level moves with the weights exactly as defined, and thinking does not move at all:
    /// the features are constants of the context.
    func testNewLevelChangesEnergiesByTheFeaturesAndLeavesThinkingAlone() {
        var generator = SeededGenerator(seed: 4)
        let model = EnergyModel(tinyConfig(), using: &generator)
        let frames = Tensor.randn([2, 6, 16], using: &generator)
        let context = withoutGradient { model.observe(frames) }
        let recalibrated = model.withLevel(readoutScale: 0.5, featureWeights: [2, -1])
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
            expected.append(bowl[i] + 0.5 * level[i] + fromFeatures)
        }
        for (a, b) in zip(after.patchEnergies.last!.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertGreaterThan(features.max()!, 0.1, "features too small to test anything")
    }

    /// A model file from before the features existed loads with zero feature weights, which
    /// reproduces its energies.
    func testAFileWithoutFeatureWeightsLoadsWithZeros() throws {
        var generator = SeededGenerator(seed: 5)
        let model = EnergyModel(tinyConfig(), using: &generator)
        let grid = try PatchGrid(frameWidth: 32, frameHeight: 8, patchSize: 8)
        var basis = [Float](repeating: 0, count: grid.patchDimension * 4)
        for k in 0..<4 { basis[k * 4 + k] = 1 }
        let codec = try PatchCodec(grid: grid, mean: [Float](repeating: 0.5, count: grid.patchDimension), basis: basis, scale: [0.1, 0.1, 0.1, 0.1])
        var file = try ModelFile(network: .ebt(model.withLevel(readoutScale: 1, featureWeights: [0, 0])), codec: codec).safetensors()
        file.entries["model.levelFeatureWeights"] = nil
        let loaded = try ModelFile(file: file, path: "old.safetensors")
        guard case .ebt(let old) = loaded.network else { return XCTFail("not an EBT") }
        XCTAssertEqual(old.levelFeatureWeights.scalars, [0, 0])
        file.entries["model.energyHead.weight"] = nil
        XCTAssertThrowsError(try ModelFile(file: file, path: "broken.safetensors"), "other parameters stay required")
    }
}
