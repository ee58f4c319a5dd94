import FileSystem
import Foundation
import EBT
import PatchCodec
import Tensors
import VideoIO

/// Everything `ebtvid train` was asked to do.
public struct TrainingPlan: Sendable {
    public var inputs: [String]
    /// Held-out clips; when nil, every tenth clip of the inputs is held out instead.
    public var validation: [String]?
    public var output: URL
    public var kind: ModelConfig.Kind = .ebt
    /// nil: small for a new model, the checkpoint's own when resuming (a size given then must match it).
    public var size: ModelConfig.Size?
    public var context = 16
    public var stride = 1
    /// Stop after this many optimiser steps, or after `minutes`, whichever is given (steps wins).
    public var steps: Int?
    public var minutes: Double?
    public var batch = 16
    public var learningRate: Float = 1e-3

    /// The peak learning rate a kind trains well at. Retraining the small EBT of the default model
    /// at 1e-3 overshot (validation 40% above copy-last at step 1,000) and then sat at copy-last
    /// for 6,000 steps, though an earlier version's run had learned at that rate; at 5e-4 it was
    /// 13% below copy-last by step 1,000. The baseline trains well at 1e-3.
    public static func defaultLearningRate(_ kind: ModelConfig.Kind) -> Float { kind == .ebt ? 5e-4 : 1e-3 }
    public var seed: UInt64 = 0
    public var resume = false
    /// PCA components per patch; nil picks the fewest reaching `targetPSNR` on the training patches.
    public var components: Int?
    public var targetPSNR = 30.0
    /// Pixels on the long side of the frames the model works on: every clip is read at this size
    /// in its own aspect ratio, in training and after.
    public var workingSize = 128
    /// Training windows are random crops of this many patches square from those frames.
    public var cropPatches = 8
    public var patchSize = 8
    public var options = TrainingOptions()
    /// Validate and save every this many steps (at least 1).
    public var validateEvery = 100
    /// Parts of this process's share of each batch trained side by side, one core each (see
    /// `Trainer.step`); 1 trains it on one core.
    public var threads = 2
    /// The processes each batch is spread over (`mpirun -np N`): rank 0 validates and saves.
    public var group = ProcessGroup.single
    /// Initial thinking step size α.
    public var initialStepSize: Float = 1
    /// Learning-rate factor for α relative to the weights.
    public var stepSizeLearningRate: Float = 1

    public init(inputs: [String], output: URL) {
        self.inputs = inputs
        self.output = output
    }

    /// Where the last checkpoint goes, which `--resume` continues from: beside `output`, which
    /// holds the checkpoint of best validation (`model.safetensors` → `model.last.safetensors`).
    public var lastCheckpoint: URL {
        let ext = output.pathExtension
        return output.deletingPathExtension().appendingPathExtension("last").appendingPathExtension(ext.isEmpty ? "safetensors" : ext)
    }

    /// Why the plan cannot run, or nil.
    public var problem: String? {
        if inputs.isEmpty { return "give at least one clip or folder to train on" }
        if context < 1 || context > 256 { return "context must be between 1 and 256 frames, got \(context)" }
        if stride < 1 { return "stride must be at least 1, got \(stride)" }
        if let steps, steps < 1 { return "steps must be at least 1, got \(steps)" }
        if let minutes, !(minutes > 0 && minutes.isFinite) { return "minutes must be a positive number" }
        if steps == nil && minutes == nil { return "say how long to train with --steps or --minutes" }
        if batch < 1 || batch > 4096 { return "batch must be between 1 and 4096, got \(batch)" }
        if threads < 1 || threads > 64 { return "--threads must be between 1 and 64, got \(threads)" }
        if group.size > 1 && batch < group.size * threads {
            return "--batch \(batch) is smaller than the \(group.size) processes × \(threads) threads it is cut over: give at least \(group.size * threads)"
        }
        if !(learningRate > 0 && learningRate < 1) { return "learning rate must be in (0, 1), got \(learningRate)" }
        if workingSize < patchSize || workingSize > 4096 || workingSize % patchSize != 0 {
            return "working size \(workingSize) must be a multiple of the patch size \(patchSize) up to 4096"
        }
        if cropPatches < 1 || cropPatches * patchSize > workingSize { return "crop must be between 1 and \(workingSize / patchSize) patches, got \(cropPatches)" }
        if let components, components < 1 || components > patchSize * patchSize * 3 { return "components must be between 1 and \(patchSize * patchSize * 3)" }
        if options.thinkingSteps < 1 || options.thinkingSteps > 64 { return "thinking steps must be between 1 and 64" }
        for (name, weight) in [("calibration", options.calibrationWeight), ("landscape", options.landscapeWeight)] {
            if !(weight >= 0 && weight <= 1000) { return "\(name) weight must be between 0 and 1000, got \(weight)" }
        }
        if !(options.smoothL1Beta > 0 && options.smoothL1Beta.isFinite) { return "smooth-L1 beta must be a positive number" }
        if !(initialStepSize > 0 && initialStepSize.isFinite) { return "--alpha (the initial step size) must be a positive number, got \(initialStepSize)" }
        if !(stepSizeLearningRate >= 0 && stepSizeLearningRate <= 1000) {
            return "--alpha-lr (the learning-rate factor of α) must be between 0 and 1000, got \(stepSizeLearningRate)"
        }
        if validateEvery < 1 { return "--validate-every must be at least 1 step, got \(validateEvery)" }
        return nil
    }

    /// The checkpoint `resume` continues: the last one saved, else the best one kept.
    public var checkpointToResume: URL? {
        [lastCheckpoint, output].first { (try? FileKind.at($0.path))?.isRegular == true }
    }

    /// Why resuming has nothing to continue, or nil: a resumed run must not quietly start afresh.
    public var resumeProblem: String? {
        guard resume, checkpointToResume == nil else { return nil }
        return "--resume: no checkpoint at \(output.relativePath) or \(lastCheckpoint.relativePath) to continue from"
    }
}

/// What a training run tells its caller as it goes (the CLI draws it).
public enum TrainingEvent {
    case message(String)
    case warning(String)
    case progress(TrainingProgress)
    /// `seconds`: training time so far (this run's, validations included), for learning curves
    /// against wall time.
    case validation(step: Int, seconds: Double, errors: OneStepEvaluation.Errors)
    case checkpoint(step: Int, url: URL)
}

public struct TrainingProgress: Sendable {
    public var step: Int
    /// Known when training by steps; estimated from speed when training by minutes.
    public var totalSteps: Int
    public var elapsed: Double
    public var secondsLeft: Double
    public var samplesPerSecond: Double
    public var stats: TrainingStats
}

public struct TrainingSummary: Sendable {
    public var steps: Int
    public var seconds: Double
    public var finalLoss: Float
    public var validation: OneStepEvaluation.Errors?
    public var interrupted: Bool
    public var codecPSNR: Double
    /// The step whose checkpoint `output` holds (best validation) and its validation errors.
    public var keptStep: Int = 0
    public var keptValidation: OneStepEvaluation.Errors?
}

public enum TrainingError: Error, CustomStringConvertible {
    case invalidPlan(String)
    case noClips(String)
    case tooShort(String)
    case resumeMismatch(String)

    public var description: String {
        switch self {
        case .invalidPlan(let why): return why
        case .noClips(let why): return why
        case .tooShort(let why): return why
        case .resumeMismatch(let why): return why
        }
    }
}

/// A whole training run: find clips, fit the codec, embed every clip once, train with AdamW,
/// validate on held-out clips, checkpoint atomically, and stop cleanly when asked.
public struct TrainingSession {
    public let plan: TrainingPlan

    public init(plan: TrainingPlan) throws {
        if let problem = plan.problem ?? plan.resumeProblem { throw TrainingError.invalidPlan(problem) }
        self.plan = plan
    }

    public func run(events: (TrainingEvent) -> Void, shouldStop: () -> Bool = { false }) throws -> TrainingSummary {
        let began = Date()
        var (trainClips, validationClips) = try splitClips()
        events(.message("clips: \(trainClips.count) for training, \(validationClips.count) held out"))

        // The codec: reused from the checkpoint when resuming, else fitted on the training clips.
        let crop = PatchLayout(rows: plan.cropPatches, columns: plan.cropPatches)
        let grid = try PatchGrid(frameWidth: crop.columns * plan.patchSize, frameHeight: crop.rows * plan.patchSize, patchSize: plan.patchSize)
        var resumed: ModelFile?
        if plan.resume {
            guard let checkpoint = plan.checkpointToResume else { throw TrainingError.invalidPlan(plan.resumeProblem ?? "nothing to resume") }
            let file = try ModelFile(contentsOf: checkpoint)
            if let asked = plan.size, let stored = file.network.config.size, asked != stored {
                throw TrainingError.resumeMismatch("\(checkpoint.path) holds a \(stored) model, not \(asked): resume without --size, or with --size \(stored)")
            }
            try checkSameProcesses(file, at: checkpoint)
            resumed = file
            events(.message("resuming from \(checkpoint.path) (step \(file.notes["steps"] ?? "0"))"))
        }
        let codec: PatchCodec
        if let resumed {
            codec = resumed.codec
        } else {
            let pca = try CodecFitting.principalComponents(clips: trainClips, grid: grid, gridOf: workingGrid) { url, error in
                events(.warning("skipping \(url.path) for the codec: \(error)"))
            }
            let k = plan.components ?? max(pca.componentsNeeded(forPSNR: plan.targetPSNR), 4)
            events(.message("codec: \(k) components per \(plan.patchSize)x\(plan.patchSize) patch; expected PSNR "
                            + [4, 8, 16, 32].map { "K=\($0) \(String(format: "%.1f", pca.expectedPSNR(keeping: $0))) dB" }.joined(separator: ", ")))
            codec = try pca.codec(keeping: k)
        }

        // Every clip embedded once; a clip that fails is reported and left out.
        func embed(_ urls: [URL]) -> [EmbeddedClip] {
            urls.compactMap { url in
                do {
                    let clip = try EmbeddedClip.load(url, codec: codec.regridded(workingGrid(url)), stride: plan.stride,
                                                     withGuesses: plan.options.start == .motion)
                    for warning in clip.warnings { events(.warning(warning)) }
                    return clip
                } catch {
                    events(.warning("skipping \(url.path): \(error)"))
                    return nil
                }
            }
        }
        let training = WindowSampler(clips: embed(trainClips), length: plan.context + 1, crop: crop)
        guard !training.isEmpty else {
            throw TrainingError.tooShort("no training clip has the \(plan.context + 1) frames a window needs (context + 1, after stride \(plan.stride))")
        }
        let heldOut = WindowSampler(clips: embed(validationClips), length: plan.context + 1, crop: crop)
        trainClips = []; validationClips = []
        let codecPSNR = heldOutCodecPSNR(codec, clips: heldOut.clips.isEmpty ? training.clips : heldOut.clips)
        events(.message("codec reconstruction on held-out frames: \(String(format: "%.2f", codecPSNR)) dB PSNR"))
        events(.message("windows: \(training.starts.count) for training, \(heldOut.starts.count) held out"))
        let validationWindows = heldOut.isEmpty ? nil : heldOut.evenlySpread(64)

        // The model: fresh from the seed, or the checkpoint's weights.
        let config = ModelConfig(kind: plan.kind, size: plan.size ?? .small, embeddingSize: codec.embeddingSize, patchCount: codec.grid.patchCount,
                                 context: plan.context, thinkingSteps: plan.options.thinkingSteps, initialStepSize: plan.initialStepSize,
                                 patchColumns: codec.grid.columns, thinkingStart: plan.options.start, workingLongSide: plan.workingSize)
        var generator = SeededGenerator(seed: plan.seed)
        var network: ModelFile.Network
        // A checkpoint's sampler stream continues where it stopped, so the resumed run draws the
        // windows the uninterrupted one would have.
        if let state = resumed?.training, let sampler = SeededGenerator(stateWords: state.samplerState) { generator = sampler }
        if let resumed {
            guard resumed.network.config.kind == plan.kind else {
                throw TrainingError.resumeMismatch("\(plan.output.path) holds a \(resumed.network.config.kind) model, not \(plan.kind)")
            }
            network = resumed.network
        } else {
            network = plan.kind == .ebt ? .ebt(EnergyModel(config, using: &generator)) : .baseline(BaselineModel(config, using: &generator))
        }
        let firstStep = Int(resumed?.notes["steps"] ?? "0") ?? 0
        let size = network.config.size.map { "\($0)" } ?? "width \(network.config.width)"
        events(.message("model: \(network.config.kind) \(size), \(parameterCount(network)) parameters, context \(plan.context), batch \(plan.batch)"))

        var state = LoopState(network: network, step: firstStep, training: resumed?.training)
        let summary = try loop(&state, training: training, validation: validationWindows, codec: codec, codecPSNR: codecPSNR,
                               generator: &generator, began: began, events: events, shouldStop: shouldStop)
        return summary
    }

    struct LoopState {
        var network: ModelFile.Network
        var step: Int
        /// Optimiser and random streams to continue from (a checkpoint's), then to save.
        var training: TrainingState?
    }

    func loop(_ state: inout LoopState, training: WindowSampler, validation: (windows: Tensor, guesses: Tensor?)?, codec: PatchCodec, codecPSNR: Double,
              generator: inout SeededGenerator, began: Date, events: (TrainingEvent) -> Void,
              shouldStop: () -> Bool) throws -> TrainingSummary {
        let startStep = state.step
        var totalSteps = plan.steps.map { startStep + $0 } ?? startStep + 1_000_000
        let warmup = 50
        var optimizer = AdamW(schedule: LearningRateSchedule(peak: plan.learningRate, warmupSteps: warmup, totalSteps: totalSteps,
                                                             floor: plan.learningRate * 0.1),
                              weightDecay: 0.05, maxGradientNorm: 1, learningRateMultipliers: ["logStepSize": plan.stepSizeLearningRate])
        if let saved = state.training { optimizer.restore(step: saved.optimizerStep, moments: saved.moments) }
        // The schedule counts the optimiser's steps: from the checkpoint's on an exact resume, from
        // zero (a fresh warm-up) when resuming a file that holds no optimiser state.
        let scheduleOrigin = startStep - optimizer.step
        optimizer.schedule.totalSteps = totalSteps - scheduleOrigin
        let trainingStart = Date()
        var lastStats = TrainingStats()
        var lastValidation: OneStepEvaluation.Errors?
        // The best checkpoint so far: `output` holds it; a resumed run starts from the one saved.
        var kept: (step: Int, errors: OneStepEvaluation.Errors?)? = nil
        if let saved = try? ModelFile(contentsOf: plan.output), plan.resume,
           let mse = saved.notes["validation_mse"].flatMap(Float.init), let steps = saved.notes["steps"].flatMap(Int.init) {
            kept = (steps, OneStepEvaluation.Errors(model: mse, copyLast: .nan, linear: .nan, energy: nil))
        }
        var speed = 0.0, lastSeconds = 0.0
        var interrupted = false

        func save(_ network: ModelFile.Network, training: TrainingState?) throws {
            guard plan.group.rank == 0 else { return }  // the others hold the same weights
            var notes = ["steps": String(state.step), "seed": String(plan.seed), "seconds": String(format: "%.0f", Date().timeIntervalSince(began)),
                         "codec_psnr_db": String(format: "%.2f", codecPSNR)]
            // The recipe travels with the weights, so a model file says how it was made.
            notes["batch"] = String(plan.batch)
            notes["learning_rate"] = String(plan.learningRate)
            // How the batches were cut: an exact resume needs the same (`checkSameProcesses`).
            notes["processes"] = String(plan.group.size)
            notes["threads"] = String(plan.threads)
            if let options = try? JSONEncoder().encode(plan.options) { notes["training_options"] = String(decoding: options, as: UTF8.self) }
            if let lastValidation {
                notes["validation_mse"] = String(lastValidation.model)
                notes["validation_copy_last_mse"] = String(lastValidation.copyLast)
            }
            let file = ModelFile(network: network, codec: codec, notes: notes, training: training)
            try file.write(to: plan.lastCheckpoint)
            events(.checkpoint(step: state.step, url: plan.lastCheckpoint))
            // Validation decides which checkpoint is the result: on a small training set both
            // kinds overfit, and the last save can be worse than an earlier one.
            let better = kept.map { previous in
                guard let now = lastValidation?.model, let before = previous.errors?.model else { return true }
                return now <= before
            } ?? true
            if better {
                try file.write(to: plan.output)
                kept = (state.step, lastValidation)
                events(.checkpoint(step: state.step, url: plan.output))
            }
        }

        func validate(_ network: ModelFile.Network) {
            guard let validation, plan.group.rank == 0 else { return }
            let errors = OneStepEvaluation.errors(network, windows: validation.windows, guesses: validation.guesses,
                                                  thinkingSteps: plan.options.thinkingSteps)
            lastValidation = errors
            events(.validation(step: state.step, seconds: Date().timeIntervalSince(trainingStart), errors: errors))
        }

        func snapshot<M: TrainableModel>(_ trainer: Trainer<M>) -> TrainingState {
            TrainingState(optimizerStep: trainer.optimizer.step, moments: trainer.optimizer.momentValues,
                          samplerState: generator.stateWords, trainerState: trainer.generator.stateWords)
        }

        // Both kinds share the loop; only the trainer's model type differs.
        func train<M: TrainableModel>(_ trainer: inout Trainer<M>, wrap: (M) -> ModelFile.Network) throws {
            if let saved = state.training, let stream = SeededGenerator(stateWords: saved.trainerState) { trainer.generator = stream }
            trainer.shards = plan.threads
            trainer.serial = plan.threads == 1
            trainer.group = plan.group
            let processes = plan.group.size
            while state.step < totalSteps {
                // Alone, a stop request ends the run before the next step. Spread over processes,
                // each one's request and clock travel with the step's gradients, and every process
                // stops, and re-plans a run by time, on their sum, so all take the same steps.
                if processes == 1 && shouldStop() { interrupted = true; break }
                let stepBegan = Date()
                let batch = training.batch(plan.batch, using: &generator)
                var shared: [Float] = processes == 1 ? [] : [shouldStop() ? 1 : 0, Float(lastSeconds), Float(Date().timeIntervalSince(trainingStart))]
                lastStats = trainer.step(batch.windows, guesses: batch.guesses, shared: &shared)
                guard lastStats.loss.isFinite else {
                    throw TrainingError.invalidPlan("training diverged at step \(state.step) (loss \(lastStats.loss)); try a lower --lr")
                }
                state.step += 1
                let seconds = Date().timeIntervalSince(stepBegan)
                var elapsed = Date().timeIntervalSince(trainingStart)
                if processes == 1 {
                    speed = speed == 0 ? seconds : 0.9 * speed + 0.1 * seconds
                } else {
                    // From the processes' means only (their last step's time and this one's start),
                    // so that every process estimates the same.
                    if shared[0] > 0 { interrupted = true }
                    let last = Double(shared[1]) / Double(processes)
                    speed = speed == 0 ? last : 0.9 * speed + 0.1 * last
                    elapsed = Double(shared[2]) / Double(processes) + speed
                }
                lastSeconds = seconds
                if plan.steps == nil, let minutes = plan.minutes {
                    // Training by time: re-estimate the step budget from the speed so far, so the
                    // cosine schedule ends when the time does.
                    let remaining = max(0, minutes * 60 - elapsed)
                    totalSteps = state.step + Int(remaining / max(speed, 1e-6))
                    trainer.optimizer.schedule.totalSteps = max(totalSteps - scheduleOrigin, warmup + 1)
                    if remaining <= 0 { totalSteps = state.step }
                }
                events(.progress(TrainingProgress(step: state.step, totalSteps: totalSteps, elapsed: elapsed,
                                                  secondsLeft: Double(totalSteps - state.step) * speed,
                                                  samplesPerSecond: Double(plan.batch) / max(speed > 0 ? speed : seconds, 1e-9), stats: lastStats)))
                if state.step % plan.validateEvery == 0 {
                    validate(wrap(trainer.model))
                    try save(wrap(trainer.model), training: snapshot(trainer))
                }
                if interrupted { break }
            }
            state.network = wrap(trainer.model)
            state.training = snapshot(trainer)
        }

        switch state.network {
        case .ebt(let model):
            var trainer = Trainer(model: model, optimizer: optimizer, options: plan.options, seed: plan.seed &+ UInt64(startStep))
            try train(&trainer) { .ebt($0) }
        case .baseline(let model):
            var trainer = Trainer(model: model, optimizer: optimizer, options: plan.options, seed: plan.seed &+ UInt64(startStep))
            try train(&trainer) { .baseline($0) }
        }
        if state.step % plan.validateEvery != 0 || state.step == startStep {
            validate(state.network)
            try save(state.network, training: state.training)
        }
        var summary = TrainingSummary(steps: state.step, seconds: Date().timeIntervalSince(began), finalLoss: lastStats.loss,
                                      validation: lastValidation, interrupted: interrupted, codecPSNR: codecPSNR)
        summary.keptStep = kept?.step ?? state.step
        summary.keptValidation = kept?.errors
        return summary
    }

    /// Refuses to resume `file` over other processes or threads than it was trained with: the
    /// cut of each batch into parts, and so every part's random stream, depends on them.
    func checkSameProcesses(_ file: ModelFile, at checkpoint: URL) throws {
        guard file.training != nil else { return }  // no optimiser state: a fresh start from the weights
        // A checkpoint from before these notes was trained by one process with two halves.
        let processes = Int(file.notes["processes"] ?? "1") ?? 1, threads = Int(file.notes["threads"] ?? "2") ?? 2
        guard processes == plan.group.size && threads == plan.threads else {
            let launch = processes == 1 ? "ebtvid train" : "mpirun -np \(processes) ebtvid train"
            throw TrainingError.resumeMismatch("\(checkpoint.relativePath) was trained by \(processes) process(es) × \(threads) thread(s), "
                                               + "not \(plan.group.size) × \(plan.threads): resume it exactly with `\(launch) ... --threads \(threads) --resume`")
        }
    }

    /// Training and held-out clips: `--val` when given, else every tenth clip (at least one when
    /// there are two or more).
    func splitClips() throws -> ([URL], [URL]) {
        let clips = try ClipFinder.clips(in: plan.inputs)
        guard !clips.isEmpty else { throw TrainingError.noClips("no video files found in \(plan.inputs.joined(separator: ", "))") }
        if let validation = plan.validation {
            let held = try ClipFinder.clips(in: validation)
            let heldPaths = Set(held.map(\.standardizedFileURL.path))
            return (clips.filter { !heldPaths.contains($0.standardizedFileURL.path) }, held)
        }
        guard clips.count >= 2 else { return (clips, []) }
        let heldOut = Set(stride(from: clips.count - 1, through: 0, by: -10))
        return (clips.enumerated().filter { !heldOut.contains($0.offset) }.map(\.element),
                clips.enumerated().filter { heldOut.contains($0.offset) }.map(\.element))
    }

    func heldOutCodecPSNR(_ codec: PatchCodec, clips: [EmbeddedClip]) -> Double {
        // The embeddings kept no pixels, so a few frames of each clip are read again.
        var total = 0.0, count = 0
        for clip in clips.prefix(8) {
            guard let clipCodec = try? codec.regridded(workingGrid(clip.url)),
                  let reference = try? FrameBatch.read(clip.url, grid: clipCodec.grid, stride: plan.stride, maxFrames: 16),
                  reference.frames > 0 else { continue }
            total += clipCodec.reconstructionPSNR(rgb: reference.rgb, frameCount: reference.frames)
            count += 1
        }
        return count > 0 ? total / Double(count) : .nan
    }

    /// The grid a clip is read at: the working size on its long side, its own aspect ratio.
    func workingGrid(_ url: URL) throws -> PatchGrid {
        let shown = try VideoReader(url: url).outputSize
        return try PatchGrid.working(sourceWidth: shown.width, sourceHeight: shown.height, longSide: plan.workingSize, patchSize: plan.patchSize)
    }

    func parameterCount(_ network: ModelFile.Network) -> Int {
        switch network {
        case .ebt(let model): return model.parameterCount
        case .baseline(let model): return model.parameterCount
        }
    }
}
