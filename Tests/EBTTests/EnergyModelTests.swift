import XCTest
import Foundation
import Tensors
@testable import EBT

final class EnergyModelTests: XCTestCase {
    func model(seed: UInt64 = 3) -> EnergyModel {
        var generator = SeededGenerator(seed: seed)
        return EnergyModel(tinyConfig(), using: &generator)
    }

    /// Candidate j's energy may depend only on the observed frames before it and on itself.
    func testCandidatesSeeOnlyEarlierFramesAndThemselves() {
        let model = self.model()
        var generator = SeededGenerator(seed: 11)
        let frames = Tensor.randn([2, 6, 16], using: &generator)
        let candidates = Tensor.randn([2, 6, 16], using: &generator)
        let positions = Array(1...6)
        let base = withoutGradient { model.energies(candidates, at: positions, context: model.observe(frames)) }.scalars

        // Perturb observed frame 3: candidates for frames 1...3 (which see frames 0...2) must not move.
        var changedFrames = frames.scalars
        for e in 0..<16 { changedFrames[(0 * 6 + 3) * 16 + e] += 1; changedFrames[(1 * 6 + 3) * 16 + e] -= 2 }
        let afterFrame = withoutGradient {
            model.energies(candidates, at: positions, context: model.observe(Tensor(shape: [2, 6, 16], scalars: changedFrames)))
        }.scalars
        for b in 0..<2 {
            for j in 0..<6 {
                let i = b * 6 + j
                if positions[j] <= 3 { XCTAssertEqual(afterFrame[i], base[i], "candidate for frame \(positions[j]) saw frame 3") }
                else { XCTAssertNotEqual(afterFrame[i], base[i], "candidate for frame \(positions[j]) ignores frame 3") }
            }
        }

        // Perturb candidate 2: only its own energy may change.
        var changedCandidates = candidates.scalars
        for e in 0..<16 { changedCandidates[(0 * 6 + 2) * 16 + e] += 0.5 }
        let afterCandidate = withoutGradient {
            model.energies(Tensor(shape: [2, 6, 16], scalars: changedCandidates), at: positions, context: model.observe(frames))
        }.scalars
        for i in 0..<12 {
            if i == 2 { XCTAssertNotEqual(afterCandidate[i], base[i]) } else { XCTAssertEqual(afterCandidate[i], base[i], "candidate \(i) saw candidate 2") }
        }
    }

    /// Evaluating one candidate alone gives the same energy as evaluating it among all of them:
    /// what lets inference think about the next frame only.
    func testASingleCandidateMatchesTheBatchedOne() {
        let model = self.model()
        var generator = SeededGenerator(seed: 12)
        let frames = Tensor.randn([1, 6, 16], using: &generator)
        let candidates = Tensor.randn([1, 6, 16], using: &generator)
        let context = withoutGradient { model.observe(frames) }
        let all = withoutGradient { model.energies(candidates, at: Array(1...6), context: context) }.scalars
        let last = withoutGradient { model.energies(candidates.sliced(axis: 1, 5..<6), at: [6], context: context) }.item
        XCTAssertEqual(last, all[5], accuracy: 1e-4 * max(1, Swift.abs(all[5])))
    }

    /// The per-patch shift is each patch's RMS move from the last context frame; with no thinking
    /// the prediction is the last frame, so every patch's shift is zero, and with thinking the map
    /// is exactly the move of the batched prediction.
    func testPatchShiftMeasuresHowFarThinkingMovedEachPatch() throws {
        XCTAssertEqual(Predictor.patchShifts([1, 1, 0, 0, 3, -3, 3, -3], last: [0, 0, 0, 0, 0, 0, 0, 0], patches: 2, embeddingSize: 4),
                       [1, 0, 3, 3])
        let predictor = Predictor(network: .ebt(model()))
        var generator = SeededGenerator(seed: 5)
        let frames = Tensor.randn([1, 6, 16], using: &generator)
        let history = (0..<6).map { Array(frames.scalars[($0 * 16)..<(($0 + 1) * 16)]) }
        let still = try predictor.predictNext(after: history, options: PredictionOptions(thinkingSteps: 0))
        XCTAssertEqual(still.patchShift, [0, 0, 0, 0])
        let moved = try predictor.predictNext(after: history, options: PredictionOptions(thinkingSteps: 3))
        XCTAssertEqual(moved.patchShift, Predictor.patchShifts(moved.embedding, last: history[5], patches: 4, embeddingSize: 16))
        XCTAssertGreaterThan(moved.patchShift.reduce(0, +), 0)
        let batch = try predictor.predictNext(contexts: frames, actual: nil, options: PredictionOptions(thinkingSteps: 3))
        for (a, b) in zip(batch.patchShifts, moved.patchShift) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, b)) }
    }

    /// A model trained to start thinking from linear extrapolation starts there at inference and
    /// in validation, not at the last frame; a config written before the start was recorded
    /// reads as a last-frame model.
    func testInferenceStartsWhereTrainingStarted() throws {
        var config = tinyConfig()
        config.thinkingStart = .linear
        var generator = SeededGenerator(seed: 3)
        let predictor = Predictor(network: .ebt(EnergyModel(config, using: &generator)))
        let frames = Tensor.randn([1, 6, 16], using: &generator)
        let history = (0..<6).map { Array(frames.scalars[($0 * 16)..<(($0 + 1) * 16)]) }
        let extrapolated = zip(history[5], history[4]).map { 2 * $0 - $1 }
        let still = try predictor.predictNext(after: history, options: PredictionOptions(thinkingSteps: 0))
        for (a, b) in zip(still.embedding, extrapolated) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let batch = try predictor.predictNext(contexts: frames, actual: nil, options: PredictionOptions(thinkingSteps: 0))
        for (a, b) in zip(batch.predictions.scalars, extrapolated) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let fromLast = try predictor.predictNext(after: history, options: PredictionOptions(thinkingSteps: 0, start: .lastFrame))
        XCTAssertEqual(fromLast.embedding, history[5])

        let windows = Tensor.randn([2, 7, 16], using: &generator)
        let errors = OneStepEvaluation.errors(predictor.network, windows: windows, thinkingSteps: 0)
        XCTAssertEqual(errors.model, errors.linear, accuracy: 1e-6 * max(1, errors.linear))
        XCTAssertNotEqual(errors.model, errors.copyLast)

        var json = String(decoding: try JSONEncoder().encode(tinyConfig()), as: UTF8.self)
        XCTAssertFalse(json.contains("thinkingStart"))
        let old = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        XCTAssertEqual(old.start, .lastFrame)
        json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8)).start, .linear)
    }

    /// The config tells the patch's code size and the training grid; the working size is kept in
    /// the file's JSON, absent (nil) in configs written before it, and checked.
    func testConfigDescribesPatchesGridAndWorkingSize() throws {
        let wide = tinyConfig(rows: 2, columns: 3)
        XCTAssertEqual(wide.components, 4)
        XCTAssertEqual(wide.trainingLayout, PatchLayout(rows: 2, columns: 3))
        XCTAssertEqual(tinyConfig().trainingLayout, PatchLayout(rows: 2, columns: 2))
        XCTAssertNil(tinyConfig().workingLongSide)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(tinyConfig()), as: UTF8.self).contains("workingLongSide"))
        var working = ModelConfig(kind: .ebt, size: .tiny, embeddingSize: 64 * 6, patchCount: 64, workingLongSide: 128)
        XCTAssertEqual(working.trainingLayout, PatchLayout(rows: 8, columns: 8))
        XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: try JSONEncoder().encode(working)), working)
        XCTAssertNil(working.problem)
        working.workingLongSide = 4
        XCTAssertTrue(working.problem?.contains("working size") == true, "\(String(describing: working.problem))")
        // The heads are per patch, so the parameters do not depend on the grid.
        var generator = SeededGenerator(seed: 1)
        let model = EnergyModel(wide, using: &generator)
        XCTAssertEqual(model.correctionHead.weight.shape, [32, 4])
        XCTAssertEqual(model.levelWeights.shape, [LevelFeatures.count])
        XCTAssertEqual(model.backbone.inputProjection.weight.shape, [PatchTokens.featureSize(components: 4), 32])
        XCTAssertEqual(model.parameterCount, EnergyModel(tinyConfig(), using: &generator).parameterCount)
    }

    /// A model that starts at the linear extrapolation has its bowl anchored there: with the same
    /// weights, its Δ differs from a last-frame model's by exactly the extrapolated velocity.
    func testTheBowlIsAnchoredWhereThinkingStarts() {
        var generator = SeededGenerator(seed: 8)
        let lastFrameModel = EnergyModel(tinyConfig(), using: &generator)
        var config = tinyConfig()
        config.thinkingStart = .linear
        var linearModel = EnergyModel(config, using: &generator)
        try! linearModel.loadParameters(Dictionary(uniqueKeysWithValues: lastFrameModel.namedParameters.map { ($0, $1.detached()) }))
        let frames = Tensor.randn([1, 6, 16], using: &generator)
        let candidates = Tensor.randn([1, 3, 16], using: &generator)
        let positions = [1, 3, 6]
        let context = withoutGradient { lastFrameModel.observe(frames) }
        let state = withoutGradient { lastFrameModel.states(candidates, at: positions, context: context) }
        let fromLast = withoutGradient { lastFrameModel.corrections(candidates, states: state, at: positions, context: context) }.scalars
        let fromLinear = withoutGradient { linearModel.corrections(candidates, states: state, at: positions, context: context) }.scalars
        let x = frames.scalars
        for (row, q) in positions.enumerated() {
            for i in 0..<16 {
                let velocity = x[(q - 1) * 16 + i] - x[max(q - 2, 0) * 16 + i]
                XCTAssertEqual(fromLast[row * 16 + i] - fromLinear[row * 16 + i], velocity, accuracy: 1e-5)
            }
        }
    }

    /// The reconstruction loss's gradient (through the thinking steps, second order) matches finite
    /// differences in a few weights and in the step size. The calibration and landscape terms are left out: they
    /// read the final candidate through a stop-gradient, which finite differences would see move.
    func testTrainingGradientMatchesFiniteDifferences() {
        for (steps, calibration) in [(1, Float(0)), (2, Float(0))] {
            var options = TrainingOptions(thinkingSteps: steps)
            options.calibrationWeight = calibration
            options.landscapeWeight = 0
            checkGradient(options: options)
        }
    }

    /// The landscape terms read off the thinking trajectory have gradients through the thinking
    /// steps (the bowl's centre at ŷ¹ depends on the weights through ŷ¹, second order): they
    /// match finite differences. (The term at the prediction's neighbour reads it detached, like calibration.)
    func testTrajectoryLandscapeGradientMatchesFiniteDifferences() {
        let windows = rotatingWindows(batch: 2, length: 5, embedding: 16, seed: 4)
        let positions = Array(1...4), truth = windows.sliced(axis: 1, 1..<5)
        checkGradient(label: "trajectory landscape") { model in
            let context = model.observe(windows.sliced(axis: 1, 0..<4))
            let thinker = Thinker(model: model)
            var generator = SeededGenerator(seed: 1)
            let start = thinker.initialCandidates(.lastFrame, positions: positions, context: context, using: &generator)
            let thought = thinker.think(from: start, at: positions, context: context, options: ThinkingOptions(steps: 2, differentiable: true),
                                        finalEnergy: false)
            XCTAssertEqual(thought.corrections.count, 2)
            return zip(thought.candidates, thought.corrections).map { mseLoss($0 - $1, truth) }.reduce(Tensor(0), +)
        }
    }

    /// The same on a 2x3 grid, whose border patches repeat in their neighbours' tokens: the
    /// gradient flows back through the tokens' gathers from the candidates thinking moved.
    func testTrainingGradientMatchesFiniteDifferencesOnAWideGrid() {
        var options = TrainingOptions(thinkingSteps: 2)
        options.calibrationWeight = 0
        options.landscapeWeight = 0
        checkGradient(options: options, config: tinyConfig(rows: 2, columns: 3))
    }

    func checkGradient(options: TrainingOptions, config: ModelConfig = tinyConfig()) {
        let windows = rotatingWindows(batch: 2, length: 5, embedding: config.embeddingSize, seed: 4)
        checkGradient(label: "\(options.thinkingSteps) steps on \(config.trainingLayout)", config: config) { model in
            var g = SeededGenerator(seed: 1)
            return model.trainingLoss(windows, guesses: nil, options: options, using: &g).loss
        }
    }

    /// Compares the gradient of `loss` in a few weights and in the step size with central differences.
    func checkGradient(label: String, config: ModelConfig = tinyConfig(), loss lossOf: (EnergyModel) -> Tensor) {
        var generator = SeededGenerator(seed: 8)
        var model = EnergyModel(config, using: &generator)
        model.logStepSize = Tensor(shape: [1], scalars: [Foundation.log(Float(3))]).asParameter()
        func loss(_ m: EnergyModel) -> Double { Double(lossOf(m).item) }
        let value = lossOf(model)
        let names = ["logStepSize", "correctionHead.weight", "backbone.inputProjection.weight", "backbone.blocks.1.feedForward.up.weight"]
        let parameters = model.namedParameters.filter { names.contains($0.name) }
        XCTAssertEqual(parameters.count, names.count)
        let gradients = grad(of: value, wrt: parameters.map(\.tensor))
        for ((name, tensor), gradient) in zip(parameters, gradients) {
            for index in Set([0, tensor.count / 3, tensor.count - 1]) {
                func perturbed(_ delta: Float) -> EnergyModel {
                    var m = model
                    var loaded = Dictionary(uniqueKeysWithValues: m.namedParameters.map { ($0.name, $0.tensor) })
                    var values = tensor.scalars
                    values[index] += delta
                    loaded[name] = Tensor(shape: tensor.shape, scalars: values)
                    try! m.loadParameters(loaded)
                    return m
                }
                let h: Float = 3e-3
                let numeric = (loss(perturbed(h)) - loss(perturbed(-h))) / Double(2 * h)
                let analytic = Double(gradient.scalars[index])
                XCTAssertEqual(analytic, numeric, accuracy: 1e-2 * max(Swift.abs(numeric), 1e-2),
                               "\(name)[\(index)], \(label)")
            }
        }
    }
}
