import Foundation
import XCTest
import EBT
import PatchCodec
import Tensors
@testable import Pipeline

final class TrainingSessionTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func plan(_ name: String, steps: Int, kind: ModelConfig.Kind = .ebt) -> TrainingPlan {
        var plan = TrainingPlan(inputs: [committedClips.path], output: folder.appendingPathComponent(name))
        plan.kind = kind
        plan.size = .tiny
        plan.context = 6
        plan.steps = steps
        plan.batch = 8
        plan.learningRate = 2e-3
        plan.components = 8
        plan.workingSize = 32
        plan.cropPatches = 4
        plan.validateEvery = 1000
        plan.seed = 7
        return plan
    }

    /// The plan writing to a copy of its checkpoint without the tensors named `prefix…` (and a
    /// metadata entry), as a file that lacks some of the training state.
    func copy(of plan: TrainingPlan, as name: String, dropping prefix: String, metadata key: String? = nil) throws -> TrainingPlan {
        var file = try SafetensorsFile(contentsOf: plan.output)
        file.entries = file.entries.filter { !$0.key.hasPrefix(prefix) }
        if let key { file.metadata[key] = nil }
        var copy = plan
        copy.output = folder.appendingPathComponent(name)
        try file.write(to: copy.output)
        return copy
    }

    func train(_ plan: TrainingPlan) throws -> (TrainingSummary, [Float]) {
        var losses: [Float] = []
        let summary = try TrainingSession(plan: plan).run(events: { event in
            if case .progress(let progress) = event { losses.append(progress.stats.lastStepLoss) }
        })
        return (summary, losses)
    }

    func testTrainingLossFallsOnTheCommittedClips() throws {
        for kind in ModelConfig.Kind.allCases {
            let (summary, losses) = try train(plan("\(kind).safetensors", steps: 150, kind: kind))
            XCTAssertEqual(summary.steps, 150)
            XCTAssertEqual(losses.count, 150)
            let first = losses.prefix(15).reduce(0, +) / 15, last = losses.suffix(15).reduce(0, +) / 15
            XCTAssertLessThan(last, 0.8 * first, "\(kind): training loss should fall")
            let model = try ModelFile(contentsOf: folder.appendingPathComponent("\(kind).safetensors"))
            XCTAssertEqual(model.network.config.kind, kind)
            XCTAssertEqual(model.notes["steps"], "150")
            let recipe = try XCTUnwrap(model.notes["training_options"]).data(using: .utf8)!
            XCTAssertEqual(try JSONDecoder().decode(TrainingOptions.self, from: recipe), TrainingPlan(inputs: [], output: folder).options)
            XCTAssertEqual(model.notes["batch"], "8")
            XCTAssertNotNil(summary.validation, "every tenth clip is held out for validation")
        }
    }

    func testTheSameSeedGivesTheSameModel() throws {
        _ = try train(plan("a.safetensors", steps: 4))
        _ = try train(plan("b.safetensors", steps: 4))
        var other = plan("c.safetensors", steps: 4)
        other.seed = 8
        _ = try train(other)
        let a = try SafetensorsFile(contentsOf: folder.appendingPathComponent("a.safetensors")).entries
        XCTAssertEqual(a, try SafetensorsFile(contentsOf: folder.appendingPathComponent("b.safetensors")).entries)
        XCTAssertNotEqual(a, try SafetensorsFile(contentsOf: folder.appendingPathComponent("c.safetensors")).entries)
    }

    func testResumeContinuesFromTheSavedStep() throws {
        var first = plan("r.safetensors", steps: 3)
        _ = try train(first)
        first.resume = true
        let (summary, _) = try train(first)
        XCTAssertEqual(summary.steps, 6)
        XCTAssertEqual(try ModelFile(contentsOf: first.output).notes["steps"], "6")
    }

    /// A resumed run continues the checkpoint it finds, at the checkpoint's own size, or refuses:
    /// it never starts afresh without saying so, nor reports a size it is not training.
    func testResumingNeedsACheckpointOfTheSizeAsked() throws {
        var nothing = plan("none.safetensors", steps: 1)
        nothing.resume = true
        XCTAssertThrowsError(try TrainingSession(plan: nothing)) {
            XCTAssertEqual("\($0)", "--resume: no checkpoint at \(nothing.output.path) or \(nothing.lastCheckpoint.path) to continue from")
        }
        var first = plan("sized.safetensors", steps: 1)
        _ = try train(first)
        let saved = try Data(contentsOf: first.lastCheckpoint)
        first.resume = true
        first.size = .small
        XCTAssertThrowsError(try train(first)) { XCTAssertTrue("\($0)".contains("holds a tiny model, not small"), "\($0)") }
        XCTAssertEqual(try Data(contentsOf: first.lastCheckpoint), saved, "the checkpoint is left as it was")
        first.size = nil
        var messages: [String] = []
        _ = try TrainingSession(plan: first).run(events: { if case .message(let text) = $0 { messages.append(text) } })
        XCTAssertTrue(messages.contains { $0.hasPrefix("model: ebt tiny,") }, "\(messages)")
    }

    /// Interrupted and resumed, a run ends with the weights of the same run left alone: the
    /// checkpoint carries AdamW's moments and step and both random streams. (Equal to float
    /// rounding, not bit for bit: the resumed process embeds the clips in buffers laid out
    /// differently, and OpenBLAS's small-matrix kernels round a few ulps apart by alignment.)
    func testAnInterruptedRunResumedEqualsTheUninterruptedOne() throws {
        let straightLosses = try train(plan("straight.safetensors", steps: 6)).1
        var calls = 0
        var split = plan("split.safetensors", steps: 6)
        let first = try TrainingSession(plan: split).run(events: { _ in }, shouldStop: {
            calls += 1
            return calls > 3
        })
        XCTAssertEqual(first.steps, 3)
        let checkpoint = try ModelFile(contentsOf: split.output)
        let saved = try XCTUnwrap(checkpoint.training, "a checkpoint carries the optimiser state")
        XCTAssertEqual(saved.optimizerStep, 3)
        let names = try checkpoint.safetensors().entries.keys.filter { $0.hasPrefix("model.") }.map { String($0.dropFirst(6)) }
        XCTAssertEqual(Set(saved.moments.keys), Set(names))
        // The same checkpoint without its optimiser state, as an older file would be.
        var warm = try copy(of: split, as: "warm.safetensors", dropping: "optimizer.", metadata: "training_state")

        split.resume = true
        split.steps = 3
        let resumed = try train(split)
        XCTAssertEqual(resumed.0.steps, 6)
        for (a, b) in zip(resumed.1, straightLosses.suffix(3)) { XCTAssertEqual(a, b, accuracy: 1e-5 * b) }
        /// The largest difference between two files' weights, relative to the largest weight.
        func weightGap(_ a: URL, _ b: URL) throws -> Float {
            let x = try SafetensorsFile(contentsOf: a).entries, y = try SafetensorsFile(contentsOf: b).entries
            var gap: Float = 0, largest: Float = 0
            for (name, entry) in x where name.hasPrefix("model.") {
                let other = try XCTUnwrap(y[name], name)
                for (u, v) in zip(entry.values, other.values) {
                    gap = max(gap, abs(u - v))
                    largest = max(largest, abs(u))
                }
            }
            return gap / largest
        }
        let straight = folder.appendingPathComponent("straight.safetensors")
        let exactGap = try weightGap(split.output, straight)
        XCTAssertLessThan(exactGap, 1e-5)
        // Resuming a file without the state still works, as a warm start (a fresh warm-up and
        // fresh moments), and ends up measurably elsewhere.
        warm.resume = true
        warm.steps = 3
        XCTAssertEqual(try train(warm).0.steps, 6)
        XCTAssertGreaterThan(try weightGap(warm.output, straight), 100 * max(exactGap, 1e-7))
    }

    /// Clips are read at the working size and windows are crops of it: the model records the
    /// working size, and its codec and training grid are the crop's.
    func testTrainingReadsClipsAtTheWorkingSizeAndCropsWindows() throws {
        var cropped = plan("crop.safetensors", steps: 2)
        cropped.workingSize = 48
        cropped.cropPatches = 3
        let (summary, losses) = try train(cropped)
        XCTAssertEqual(summary.steps, 2)
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        let model = try ModelFile(contentsOf: cropped.output)
        XCTAssertEqual(model.network.config.workingLongSide, 48)
        XCTAssertEqual(model.network.config.trainingLayout, PatchLayout(rows: 3, columns: 3))
        XCTAssertEqual([model.codec.grid.frameWidth, model.codec.grid.frameHeight], [24, 24])
        // The committed clips are square: read at the working size they are 6x6 patches.
        let clip = try XCTUnwrap(try ClipFinder.clips(in: [committedClips.path]).first)
        XCTAssertEqual(try WorkingFrames.codec(for: clip, model: model).grid, try PatchGrid(frameWidth: 48, frameHeight: 48, patchSize: 8))
    }

    func testStoppingEarlySavesTheModel() throws {
        var calls = 0
        let summary = try TrainingSession(plan: plan("s.safetensors", steps: 1000)).run(events: { _ in }, shouldStop: {
            calls += 1
            return calls > 5
        })
        XCTAssertTrue(summary.interrupted)
        XCTAssertEqual(summary.steps, 5)
        XCTAssertEqual(try ModelFile(contentsOf: folder.appendingPathComponent("s.safetensors")).notes["steps"], "5")
    }

    /// The result is the checkpoint of best validation; the last one is kept beside it for --resume.
    func testTheBestValidationCheckpointIsKeptAndTheLastBesideIt() throws {
        var run = plan("best.safetensors", steps: 24)
        run.validateEvery = 4
        run.learningRate = 2e-2  // high enough that validation does not fall at every check
        var validations: [(step: Int, mse: Float)] = []
        let summary = try TrainingSession(plan: run).run(events: { event in
            if case .validation(let step, _, let errors) = event { validations.append((step, errors.model)) }
        })
        let best = try XCTUnwrap(validations.min { $0.mse < $1.mse })
        let kept = try ModelFile(contentsOf: run.output)
        XCTAssertEqual(kept.notes["steps"], String(best.step), "validations: \(validations)")
        XCTAssertEqual(kept.notes["validation_mse"], String(best.mse))
        XCTAssertEqual(summary.keptStep, best.step)
        XCTAssertEqual(try ModelFile(contentsOf: run.lastCheckpoint).notes["steps"], "24")
        XCTAssertEqual(run.lastCheckpoint.lastPathComponent, "best.last.safetensors")
    }

    func testBadPlansAreRefused() {
        var bad = plan("x.safetensors", steps: 10)
        bad.context = 0
        XCTAssertThrowsError(try TrainingSession(plan: bad)) { XCTAssertTrue("\($0)".contains("context")) }
        var weights = plan("x.safetensors", steps: 10)
        weights.options.landscapeWeight = -1
        XCTAssertThrowsError(try TrainingSession(plan: weights)) { XCTAssertTrue("\($0)".contains("landscape weight")) }
        weights.options.landscapeWeight = 1
        weights.options.smoothL1Beta = .nan
        XCTAssertThrowsError(try TrainingSession(plan: weights)) { XCTAssertTrue("\($0)".contains("beta")) }
        for (every, factor, expected): (Int, Float, String) in [(0, 1, "--validate-every"), (-1, 1, "--validate-every"), (1, -1, "--alpha-lr"), (1, .nan, "--alpha-lr")] {
            var schedule = plan("x.safetensors", steps: 10)
            schedule.validateEvery = every
            schedule.stepSizeLearningRate = factor
            XCTAssertThrowsError(try TrainingSession(plan: schedule)) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
        for alpha: Float in [0, -1, .nan, .infinity] {
            var step = plan("x.safetensors", steps: 10)
            step.initialStepSize = alpha
            XCTAssertThrowsError(try TrainingSession(plan: step), "\(alpha)") { XCTAssertTrue("\($0)".contains("--alpha"), "\($0)") }
        }
        for (working, crop, expected) in [(36, 4, "working size 36"), (4, 1, "working size 4"), (8192, 4, "working size 8192"),
                                          (32, 5, "crop must be between 1 and 4"), (32, 0, "crop")] {
            var sizes = plan("x.safetensors", steps: 10)
            sizes.workingSize = working
            sizes.cropPatches = crop
            XCTAssertThrowsError(try TrainingSession(plan: sizes)) { XCTAssertTrue("\($0)".contains(expected), "\($0) should mention \(expected)") }
        }
        var missing = plan("x.safetensors", steps: 10)
        missing.inputs = [folder.appendingPathComponent("nowhere").path]
        XCTAssertThrowsError(try TrainingSession(plan: missing).run(events: { _ in })) { XCTAssertTrue("\($0)".contains("no such file")) }
        var empty = plan("x.safetensors", steps: 10)
        empty.inputs = [folder.path]
        XCTAssertThrowsError(try TrainingSession(plan: empty).run(events: { _ in })) { XCTAssertTrue("\($0)".contains("no video files")) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.safetensors").path))
    }
}
