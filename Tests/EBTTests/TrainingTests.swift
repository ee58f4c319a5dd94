import XCTest
import Tensors
import PatchCodec
@testable import EBT

final class TrainingTests: XCTestCase {
    /// A tiny EBT trained once for the tests below on rotating sequences with window-dependent noise.
    static let trained: (model: EnergyModel, losses: [Float]) = {
        var generator = SeededGenerator(seed: 5)
        let model = EnergyModel(tinyConfig(), using: &generator)
        var trainer = Trainer(model: model, optimizer: AdamW(schedule: LearningRateSchedule(peak: 3e-3, warmupSteps: 20, totalSteps: 300),
                                                             weightDecay: 0.01, learningRateMultipliers: ["logStepSize": 10]),
                              options: TrainingOptions(thinkingSteps: 2), seed: 9)
        var losses: [Float] = []
        for step in 0..<300 {
            let stats = trainer.step(rotatingWindows(batch: 8, length: 7, embedding: 16, seed: UInt64(100 + step), noise: 0.2))
            losses.append(stats.loss)
            if step % 50 == 0 || step == 299 { print("step \(step) loss \(stats.loss) first \(stats.firstStepLoss) last \(stats.lastStepLoss) cal \(stats.calibrationLoss) land \(stats.landscapeLoss) gap \(stats.energyGap) alpha \(stats.stepSize)") }
        }
        return (trainer.model, losses)
    }()

    let heldOut = rotatingWindows(batch: 32, length: 7, embedding: 16, seed: 999_999, noise: 0.2)

    func think(_ steps: Int, on windows: Tensor) -> (start: Tensor, thought: Thought) {
        let trained = Self.trained.model
        let context = withoutGradient { trained.observe(windows.sliced(axis: 1, 0..<6)) }
        let thinker = Thinker(model: trained)
        var g = SeededGenerator(seed: 0)
        let start = thinker.initialCandidates(.lastFrame, positions: Array(1...6), context: context, using: &g)
        return (start, thinker.infer(from: start, at: Array(1...6), context: context, options: ThinkingOptions(steps: steps)))
    }

    /// With the landscape and calibration weights zero the loss is the thinking loss alone (the
    /// reference recipe, whose extra pass is skipped): the full loss minus exactly those two terms.
    func testReferenceRecipeIsTheThinkingLossAlone() {
        let model = Self.trained.model
        let windows = rotatingWindows(batch: 4, length: 7, embedding: 16, seed: 77, noise: 0.2)
        var full = SeededGenerator(seed: 1), reference = SeededGenerator(seed: 1)
        let (loss, stats) = model.trainingLoss(windows, guesses: nil, options: TrainingOptions(thinkingSteps: 2), using: &full)
        var options = TrainingOptions(thinkingSteps: 2)
        options.landscapeWeight = 0
        options.calibrationWeight = 0
        let (thinkingLoss, referenceStats) = model.trainingLoss(windows, guesses: nil, options: options, using: &reference)
        XCTAssertGreaterThan(stats.calibrationLoss + stats.landscapeLoss, 1e-4)
        XCTAssertEqual(thinkingLoss.item, loss.item - stats.calibrationLoss - stats.landscapeLoss, accuracy: 1e-5 * max(1, loss.item))
        XCTAssertEqual(referenceStats.lastStepLoss, stats.lastStepLoss)
    }

    /// The landscape loss is the mean, over the points thinking evaluated (ŷ⁰ … ŷᴷ⁻¹) and one
    /// neighbour of the prediction, of the squared distance from the bowl's centre ŷᵏ − Δᵏ to the
    /// real frame; at ŷ⁰, the last frame, that centre is a + r(x, a), the baseline's residual
    /// prediction. Calibration compares the energy at the same neighbour with half its squared
    /// error, patch by patch. The loss is the thinking loss plus the two weighted terms.
    func testLandscapeScoresTheBowlCentreAlongThinkingAndNearThePrediction() {
        let model = Self.trained.model
        let windows = rotatingWindows(batch: 4, length: 7, embedding: 16, seed: 81, noise: 0.2)
        let observed = windows.sliced(axis: 1, 0..<6), truth = windows.sliced(axis: 1, 1..<7)
        let positions = Array(1...6)
        let options = TrainingOptions(thinkingSteps: 2, calibrationWeight: 0.5, landscapeWeight: 2)
        var generator = SeededGenerator(seed: 2)
        let (loss, stats) = model.trainingLoss(windows, guesses: nil, options: options, using: &generator)

        // The same steps by hand; the last-frame start takes nothing from the random stream, so
        // the neighbour is the stream's first draw.
        let context = withoutGradient { model.observe(observed) }
        let thinker = Thinker(model: model)
        var stream = SeededGenerator(seed: 2)
        let start = thinker.initialCandidates(.lastFrame, positions: positions, context: context, using: &stream)
        let thought = thinker.think(from: start, at: positions, context: context, options: ThinkingOptions(steps: 2),
                                    finalEnergy: false)
        let prediction = thought.prediction.detached()
        let spread = mseLoss(prediction, truth).item.squareRoot()
        let neighbour = prediction + Tensor.randn(prediction.shape, std: spread, using: &stream)
        let centres = [thought.candidates[0], thought.candidates[1], neighbour].map { point in
            withoutGradient { point.detached() - model.evaluate(point.detached(), at: positions, context: context).correction }
        }
        let residual = withoutGradient {
            start + PatchTokens.framewise(model.correctionHead(model.states(start, at: positions, context: context)), batch: 4, patches: 4)
        }
        for (a, b) in zip(centres[0].scalars, residual.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let expected = centres.map { mseLoss($0, truth).item }.reduce(0, +) / 3
        XCTAssertGreaterThan(expected, 1e-4)
        XCTAssertEqual(stats.landscapeLoss, expected, accuracy: 1e-5 * max(1, expected))
        // Calibration: the energy at the neighbour against half its squared error, per patch and
        // per embedding value (4 patches of 4 values here).
        let calibration = withoutGradient { () -> Float in
            let energy = model.patchEnergies(neighbour, at: positions, context: context)
            let error = square(neighbour - truth).reshaped([4, 6, 4, 4]).sum(axis: -1) * 0.5
            return mseLoss(energy * 0.25, error * 0.25).item
        }
        XCTAssertGreaterThan(calibration, 1e-6)
        XCTAssertEqual(stats.calibrationLoss, calibration, accuracy: 1e-4 * calibration)
        let thinking = (stats.firstStepLoss + stats.lastStepLoss) / 2
        XCTAssertEqual(loss.item, thinking + 0.5 * stats.calibrationLoss + 2 * stats.landscapeLoss, accuracy: 1e-5 * max(1, loss.item))
    }

    /// A batch run as two half-batches side by side gives the whole batch's loss, gradient and
    /// update when the loss holds no batch statistic (the reference recipe is a plain mean).
    func testHalfBatchesSideBySideStepLikeTheWholeBatch() {
        let windows = rotatingWindows(batch: 6, length: 7, embedding: 16, seed: 78, noise: 0.2)
        var options = TrainingOptions(thinkingSteps: 2)
        options.landscapeWeight = 0
        options.calibrationWeight = 0
        var results: [(stats: TrainingStats, weights: [Float])] = []
        for shards in [1, 2] {
            var generator = SeededGenerator(seed: 5)
            var trainer = Trainer(model: EnergyModel(tinyConfig(), using: &generator), optimizer: AdamW(learningRate: 1e-2),
                                  options: options, seed: 6)
            trainer.shards = shards
            let stats = trainer.step(windows)
            results.append((stats, trainer.model.parameters.flatMap(\.scalars)))
        }
        let (whole, halves) = (results[0], results[1])
        XCTAssertEqual(halves.stats.loss, whole.stats.loss, accuracy: 1e-5 * whole.stats.loss)
        XCTAssertEqual(halves.stats.gradientNorm, whole.stats.gradientNorm, accuracy: 1e-4 * whole.stats.gradientNorm)
        XCTAssertGreaterThan(whole.stats.gradientNorm, 1e-3, "a gradient too small to test anything")
        for (a, b) in zip(halves.weights, whole.weights) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    /// The loss falls, thinking lowers the energy step by step on held-out sequences, and the
    /// prediction beats copying the last frame.
    func testTinyEBTLearnsAndThinkingDescends() {
        let losses = Self.trained.losses
        let early = losses[0..<10].reduce(0, +) / 10, late = losses[290...].reduce(0, +) / 10
        XCTAssertLessThan(late, 0.7 * early, "training loss should fall")

        let targets = heldOut.sliced(axis: 1, 1..<7)
        let (start, thought) = think(2, on: heldOut)
        let energies = thought.energies.map { $0.mean().item }
        print("energies along thinking: \(energies)")
        for k in 1..<energies.count { XCTAssertLessThan(energies[k], energies[k - 1], "energy rose at step \(k)") }
        let copyLast = mseLoss(start, targets).item, predicted = mseLoss(thought.prediction.detached(), targets).item
        print("held-out mse: copy-last \(copyLast) ebt \(predicted)")
        XCTAssertLessThan(predicted, 0.7 * copyLast)
    }

    /// Thinking twice as long as trained settles rather than overshooting: the landscape loss
    /// centres the bowl on the prediction.
    func testThinkingTwiceAsLongIsNoWorse() {
        let targets = heldOut.sliced(axis: 1, 1..<7)
        let trainedSteps = mseLoss(think(2, on: heldOut).thought.prediction.detached(), targets).item
        let doubled = mseLoss(think(4, on: heldOut).thought.prediction.detached(), targets).item
        print("held-out mse: 2 steps \(trainedSteps), 4 steps \(doubled)")
        XCTAssertLessThanOrEqual(doubled, trainedSteps * 1.02)
    }

    /// The energy of a real next frame measures surprise: disturbing one patch of the actual frame
    /// raises its energy, and the per-patch energies point at the disturbed patch.
    func testEnergyOfADisturbedFrameRisesWhereItWasDisturbed() {
        let trained = Self.trained.model
        let observed = heldOut.sliced(axis: 1, 0..<6), actual = heldOut.sliced(axis: 1, 1..<7)
        let patch = 2, values = 4
        var disturbed = actual.scalars
        var generator = SeededGenerator(seed: 31)
        for row in 0..<(32 * 6) {
            for j in 0..<values { disturbed[row * 16 + patch * values + j] += generator.nextNormal() * 0.8 }
        }
        let context = withoutGradient { trained.observe(observed) }
        let positions = Array(1...6)
        let calm = withoutGradient { trained.patchEnergies(actual, at: positions, context: context) }.scalars
        let upset = withoutGradient { trained.patchEnergies(Tensor(shape: actual.shape, scalars: disturbed), at: positions, context: context) }.scalars
        var higher = 0, pointed = 0
        for row in 0..<(32 * 6) {
            let a = calm[(row * 4)..<(row * 4 + 4)], b = upset[(row * 4)..<(row * 4 + 4)]
            if b.reduce(0, +) > a.reduce(0, +) { higher += 1 }
            let rise = zip(b, a).map { $0 - $1 }
            if rise.indices.max(by: { rise[$0] < rise[$1] }) == patch { pointed += 1 }
        }
        print("disturbed frames with higher energy: \(higher)/192, rise largest at the disturbed patch: \(pointed)/192")
        XCTAssertGreaterThan(higher, 192 * 9 / 10)
        XCTAssertGreaterThan(pointed, 192 * 8 / 10)
    }
}

final class ModelFileTests: XCTestCase {
    func codec(patches: Int, components: Int) throws -> PatchCodec {
        let grid = try PatchGrid(frameWidth: 8 * patches, frameHeight: 8, patchSize: 8)
        let d = grid.patchDimension
        var basis = [Float](repeating: 0, count: d * components)
        for k in 0..<components { basis[k * components + k] = 1 }
        return try PatchCodec(grid: grid, mean: [Float](repeating: 0.5, count: d), basis: basis,
                              scale: (0..<components).map { 0.1 + Float($0) * 0.01 })
    }

    func testSaveThenLoadGivesBitIdenticalEnergiesAndPredictions() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededGenerator(seed: 21)
        let ebt = EnergyModel(tinyConfig(), using: &generator)
        let baseline = BaselineModel(tinyConfig(kind: .baseline), using: &generator)
        let frames = rotatingWindows(batch: 2, length: 6, embedding: 16, seed: 3)
        let candidates = rotatingWindows(batch: 2, length: 6, embedding: 16, seed: 4)
        for network in [ModelFile.Network.ebt(ebt), .baseline(baseline)] {
            let url = folder.appendingPathComponent("\(network.config.kind).safetensors")
            try ModelFile(network: network, codec: try codec(patches: 4, components: 4), notes: ["seed": "21"]).write(to: url)
            let loaded = try ModelFile(contentsOf: url)
            XCTAssertEqual(loaded.network.config, network.config)
            XCTAssertEqual(loaded.notes["seed"], "21")
            XCTAssertEqual(loaded.codec, try codec(patches: 4, components: 4))
            switch (network, loaded.network) {
            case (.ebt(let a), .ebt(let b)):
                let before = withoutGradient { a.energies(candidates, at: Array(1...6), context: a.observe(frames)) }
                let after = withoutGradient { b.energies(candidates, at: Array(1...6), context: b.observe(frames)) }
                XCTAssertEqual(before.scalars, after.scalars)
                XCTAssertEqual(a.stepSize.item, b.stepSize.item)
            case (.baseline(let a), .baseline(let b)):
                XCTAssertEqual(withoutGradient { a(frames) }.scalars, withoutGradient { b(frames) }.scalars)
            default:
                XCTFail("loaded the wrong kind of model")
            }
        }
    }

    func testWrongFilesAreRefusedWithAReason() throws {
        let good = try ModelFile(network: .ebt({ var g = SeededGenerator(seed: 1); return EnergyModel(tinyConfig(), using: &g) }()),
                                 codec: try codec(patches: 4, components: 4)).safetensors()
        var wrongVersion = good; wrongVersion.metadata["version"] = "99"
        var foreign = good; foreign.metadata["format"] = nil
        var missing = good; missing.entries["model.correctionHead.weight"] = nil
        var reshaped = good; reshaped.entries["model.logStepSize"] = .init(shape: [2], values: [0, 0])
        var poisoned = good; poisoned.entries["model.logStepSize"] = .init(shape: [1], values: [.nan])
        var badConfig = good; badConfig.metadata["config"] = "{}"
        let cases: [(SafetensorsFile, String)] = [
            (wrongVersion, "version 99"), (foreign, "not an ebtvid model"), (missing, "missing tensor 'model.correctionHead.weight'"),
            (reshaped, "has shape [2], expected [1]"), (poisoned, "non-finite"), (badConfig, "config"),
        ]
        for (file, expected) in cases {
            XCTAssertThrowsError(try ModelFile(file: file, path: "m.safetensors")) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
                XCTAssertTrue("\(error)".hasPrefix("m.safetensors: "), "\(error) should name the file")
            }
        }
    }

    /// A byte changed in a saved model's weights is caught by the tensor's checksum and named,
    /// where before it loaded and predicted silently.
    func testDamagedWeightsAreCaughtByTheirChecksum() throws {
        let model = ModelFile(network: .ebt({ var g = SeededGenerator(seed: 1); return EnergyModel(tinyConfig(), using: &g) }()),
                              codec: try codec(patches: 4, components: 4))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-crc-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.write(to: url)
        XCTAssertFalse(try ModelFile(contentsOf: url).loadedWithoutChecksums)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: url)
        let last = try XCTUnwrap(try model.safetensors().entries.keys.max())
        XCTAssertThrowsError(try ModelFile(contentsOf: url)) { error in
            XCTAssertEqual("\(error)", "\(url.path): not a valid ebtvid model: tensor '\(last)' does not match its checksum: its data is damaged")
        }
    }

    /// A hostile file's metadata may claim any sizes: geometry whose products overflow and configs
    /// that would allocate without bound are refused, naming the file, before anything is built.
    func testOversizedGeometryAndConfigsAreRefusedNamingTheFile() throws {
        let good = try ModelFile(network: .ebt({ var g = SeededGenerator(seed: 1); return EnergyModel(tinyConfig(), using: &g) }()),
                                 codec: try codec(patches: 4, components: 4)).safetensors()
        func with(_ key: String, _ changes: [String: Any]) throws -> SafetensorsFile {
            var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(good.metadata[key]!.utf8)) as? [String: Any])
            object.merge(changes) { $1 }
            var file = good
            file.metadata[key] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            return file
        }
        let huge = 1 << 62
        let cases: [(SafetensorsFile, String)] = [
            (try with("codec", ["frameWidth": huge, "frameHeight": huge, "patchSize": 1]), "exceed the limits"),
            (try with("codec", ["frameWidth": huge, "frameHeight": huge, "patchSize": 1 << 31]), "exceed the limits"),
            (try with("config", ["width": 1 << 20]), "width 1048576 exceeds"),
            (try with("config", ["hiddenSize": 1 << 40]), "hidden size 1099511627776"),
            (try with("config", ["layers": 1 << 40]), "1099511627776 layers"),
            (try with("config", ["context": 1_000_000_000]), "context 1000000000"),
            (try with("config", ["thinkingSteps": 1_000_000_000]), "thinking steps 1000000000"),
            (try with("config", ["width": 4096, "heads": 2, "layers": 64, "hiddenSize": 16384]), "more weights than the file"),
        ]
        for (file, expected) in cases {
            XCTAssertThrowsError(try ModelFile(file: file, path: "hostile.safetensors"), expected) { error in
                XCTAssertTrue("\(error)".hasPrefix("hostile.safetensors: not a valid ebtvid model: "), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
            }
        }
    }

    func testPythonSafetensorsOpensAModelFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-py-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var generator = SeededGenerator(seed: 2)
        try ModelFile(network: .ebt(EnergyModel(tinyConfig(), using: &generator)), codec: try codec(patches: 4, components: 4)).write(to: url)
        let script = """
        import sys, json
        try:
            from safetensors.numpy import load_file
            from safetensors import safe_open
        except ImportError:
            sys.exit(77)
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="numpy") as f:
            meta = f.metadata()
        assert meta["format"] == "ebtvid-model" and json.loads(meta["config"])["width"] == 32, meta
        assert t["model.backbone.inputProjection.weight"].shape == (72, 32)
        assert t["model.levelWeights"].shape == (2,)
        assert t["codec.basis"].shape == (192, 4)
        """
        // Outside the assertion, so that a missing package skips the test instead of failing it.
        let status = try runPython(script, arguments: [url.path])
        XCTAssertEqual(status, 0)
    }
}
