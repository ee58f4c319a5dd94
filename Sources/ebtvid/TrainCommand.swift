import ArgumentParser
import EBT
import FileSystem
import Foundation
import Pipeline

/// `ebtvid train`: fit the codec and train an EBT (or the Transformer++ baseline) on clips.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on video clips (folders are searched recursively).",
        discussion: """
            Fits the patch codec on the training clips, embeds every clip once, and trains with \
            AdamW, validating on held-out clips (--val, or every tenth clip) and saving the model \
            atomically after each validation. Ctrl-C stops cleanly with the model saved. \
            Under `mpirun -np N` (or Slurm's srun), the N processes each train on their part of \
            every batch and add their gradients with MPI; process 0 validates and saves.
            """)

    @Argument(help: "Clips or folders to train on.")
    var inputs: [String] = []

    @Option(help: "Where to write the model (.safetensors).")
    var out: String

    @Option(help: "ebt or baseline (Transformer++).")
    var kind: ModelConfig.Kind = .ebt

    @Option(help: "tiny, small or base (default: small, or the checkpoint's with --resume).")
    var size: ModelConfig.Size?

    @Option(parsing: .unconditional, help: "Context frames per training window.")
    var context = 16

    @Option(parsing: .unconditional, help: "Use every k-th frame of each clip.")
    var stride = 1

    @Option(parsing: .unconditional, help: "Optimiser steps to run.")
    var steps: Int?

    @Option(parsing: .unconditional, help: "Train for this many minutes instead of a step count.")
    var minutes: Double?

    @Option(parsing: .unconditional, help: "Windows per batch.")
    var batch = 16

    @Option(parsing: .unconditional, help: "Peak learning rate (warm-up then cosine decay; default 5e-4 for the EBT, 1e-3 for the baseline).")
    var lr: Float?

    @Option(parsing: .unconditional, help: "Seed: the same seed and --steps give the same model.")
    var seed: UInt64 = 0

    @Flag(help: "Continue training the model at --out where it stopped (optimiser state and random streams included); --steps counts further steps.")
    var resume = false

    @Option(help: "Held-out clips or folders for validation.")
    var val: [String] = []

    @Option(parsing: .unconditional, help: "PCA components per patch (default: fewest reaching 30 dB).")
    var components: Int?

    @Option(parsing: .unconditional, help: "Thinking steps in training.")
    var think = 2

    @Option(help: "Where thinking starts: lastFrame, noise, linear or motion (the sub-pixel motion extrapolation).")
    var start: ThinkingStart = .lastFrame

    @Option(parsing: .unconditional, help: "Weight of the energy calibration loss.")
    var calibration: Float = 1

    @Option(parsing: .unconditional, help: "Weight of the landscape loss (energy at the real frame measures surprise).")
    var landscape: Float = 1

    @Option(parsing: .unconditional, help: "Smooth-L1 β of the reconstruction loss (large: squared error).")
    var beta: Float = 1

    @Option(parsing: .unconditional, help: "Initial thinking step size α.")
    var alpha: Float = 1

    @Option(parsing: .unconditional, help: "Learning-rate factor of α relative to the weights.")
    var alphaLr: Float = 1

    @Flag(help: "Back-propagate through the last thinking step only (cheaper, biased).")
    var truncate = false

    @Option(parsing: .unconditional, help: "Pixels on the long side of the frames the model works on (each clip keeps its aspect ratio).")
    var workingSize = 128

    @Option(parsing: .unconditional, help: "Training windows are random crops of this many patches square.")
    var crop = 8

    @Option(parsing: .unconditional, help: "Validate and save every this many steps.")
    var validateEvery = 100

    @Option(help: "Also write every step's losses, gradient norm and times as CSV to this file (at the end of the run).")
    var log: String?

    @Option(parsing: .unconditional, help: "Parts of each batch (of this process's share, under mpirun) trained side by side, one core each.")
    var threads = 2

    /// Every flag value is checked here, once, by the plan they make: a bad one is a usage error.
    func validate() throws {
        var plan = self.plan
        // The batch must cover the processes mpirun started; the group itself is made in `run`.
        if MPIProcesses.compiledIn, let count = MPIProcesses.launched, count > 1 { plan.group = ProcessGroup(rank: 0, size: count) { _ in } }
        if let problem = OutputPath.problem(out) ?? log.flatMap({ OutputPath.problem($0, flag: "--log") }) ?? plan.problem ?? plan.resumeProblem {
            throw ValidationError(problem)
        }
    }

    /// What the flags ask for.
    var plan: TrainingPlan {
        var plan = TrainingPlan(inputs: inputs, output: URL(fileURLWithPath: out))
        plan.validation = val.isEmpty ? nil : val
        plan.kind = kind
        plan.size = size
        plan.context = context
        plan.stride = stride
        plan.steps = steps
        plan.minutes = minutes
        plan.batch = batch
        plan.learningRate = lr ?? TrainingPlan.defaultLearningRate(kind)
        plan.seed = seed
        plan.resume = resume
        plan.components = components
        plan.options.thinkingSteps = think
        plan.options.start = start
        plan.options.calibrationWeight = calibration
        plan.options.landscapeWeight = landscape
        plan.options.smoothL1Beta = beta
        plan.options.truncated = truncate
        plan.workingSize = workingSize
        plan.cropPatches = crop
        plan.validateEvery = validateEvery
        plan.initialStepSize = alpha
        plan.stepSizeLearningRate = alphaLr
        plan.threads = threads
        return plan
    }

    func run() throws {
        var plan = self.plan
        plan.group = try MPIProcesses.group()
        if plan.group.size > 1 { Interruption.installForProcessGroup() } else { Interruption.install() }
        do {
            try train(plan)
        } catch where plan.group.size > 1 {
            // The others would wait for this process in the next all-reduce: end them all.
            Diagnostics.report(plan.group.rank == 0 ? error : TrainCommandError("process \(plan.group.rank) of \(plan.group.size): \(error)"))
            MPIProcesses.abort(1)
        }
        MPIProcesses.finish()
    }

    private func train(_ plan: TrainingPlan) throws {
        try OutputPath.checkWritable(plan.output)
        // Every process trains alike; only the first one talks.
        let talks = plan.group.rank == 0
        var exchange = (seconds: 0.0, steps: 0), lastProgress: TrainingProgress?, firstStep: Int?
        var logLines = [TrainingLog.header]

        let session = try TrainingSession(plan: plan)
        let progress = ProgressLine()
        let summary = try session.run(events: { event in
            if case .progress(let p) = event {
                exchange.seconds += p.stats.allReduceSeconds
                exchange.steps += 1
                if firstStep == nil { firstStep = p.step - 1 }
                lastProgress = p
                if log != nil { logLines.append(TrainingLog.line(p)) }
            }
            guard talks else { return }
            switch event {
            case .message(let text): progress.message(text)
            case .warning(let text): progress.message("warning: \(text)")
            case .progress(let p):
                let s = p.stats
                var line = "\(ProgressLine.bar(Double(p.step) / Double(max(p.totalSteps, 1)))) step \(p.step)/\(p.totalSteps)"
                line += String(format: "  loss %.4f", s.loss)
                if kind == .ebt { line += String(format: "  think %.4f→%.4f  gap %.3f  α %.2f", s.firstStepLoss, s.lastStepLoss, s.energyGap, s.stepSize) + String(format: "  land %.4f  |g| %.2f", s.landscapeLoss, s.gradientNorm) }
                line += String(format: "  %.0f samples/s  ETA %@", p.samplesPerSecond, ProgressLine.duration(p.secondsLeft))
                progress.update(line)
            case .validation(let step, let seconds, let errors):
                var line = String(format: "validation at step %d (%@): mse %.4f vs copy-last %.4f (%+.1f%%), linear %.4f", step, ProgressLine.duration(seconds), errors.model, errors.copyLast,
                                  100 * (errors.model / max(errors.copyLast, 1e-12) - 1), errors.linear)
                if let guess = errors.guess { line += String(format: ", motion %.4f (%+.1f%%)", guess, 100 * (errors.model / max(guess, 1e-12) - 1)) }
                if let energy = errors.energy { line += String(format: ", mean energy %.3f", energy) }
                progress.message(line)
            case .checkpoint: break
            }
        }, shouldStop: { Interruption.requested })
        progress.finish()
        guard talks else { return }
        if let log { try AtomicFile.write(Data(logLines.joined().utf8), to: URL(fileURLWithPath: log)) }
        if let p = lastProgress, let firstStep, p.step > firstStep {
            let steps = Double(p.step - firstStep), perStep = p.elapsed / steps
            var line = String(format: "speed: %.2f samples/s over %d steps (%.1f ms a step, validation included), %d process(es) × %d thread(s)",
                              Double(plan.batch) * steps / p.elapsed, p.step - firstStep, 1000 * perStep, plan.group.size, plan.threads)
            if plan.group.size > 1 {
                line += String(format: "; all-reduce %.2f ms a step, %.1f%% of the step", 1000 * exchange.seconds / Double(exchange.steps),
                               100 * exchange.seconds / Double(exchange.steps) / perStep)
            }
            print(line)
        }
        var last = "trained \(summary.steps) steps in \(ProgressLine.duration(summary.seconds)); \(out) holds step \(summary.keptStep)"
        if let kept = summary.keptValidation, summary.keptStep != summary.steps {
            last += String(format: " (best validation, mse %.5g)", kept.model)
        } else if summary.keptValidation != nil {
            last += " (the last, also the best validation)"
        }
        last += "; the last checkpoint is \(plan.lastCheckpoint.relativePath)"
        if summary.interrupted { last += " (interrupted; --resume continues it)" }
        print(last)
        if kind == .ebt && !summary.interrupted {
            print("next: ebtvid calibrate CLIPS --model \(out) --out \(out)  (fits the energy to the model's errors on clips you will not evaluate on)")
        }
    }
}

extension ModelConfig.Kind: ExpressibleByArgument {}
extension ModelConfig.Size: ExpressibleByArgument {}
extension ThinkingStart: ExpressibleByArgument {}
