import ArgumentParser
import EBT
import Foundation
import Pipeline

/// `ebtvid eval`: batch evaluation over folders of clips.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model over clips and folders (searched recursively).",
        discussion: """
            For each clip: one-step prediction quality (PSNR, SSIM, MSE, embedding MSE) for the \
            model, copy-last-frame, linear extrapolation, motion-compensated extrapolation (8x8 block \
            matching between the last two frames, ±4 px, refined to sub-pixel vectors: the default \
            model's first guess) and --baseline; H-step rollouts; how energy \
            ranks errors (Spearman); and the AUROC of energy for the surprise frames a sidecar JSON \
            lists. Writes DIR/results.csv, DIR/summary.json, DIR/report.html and a record per clip \
            in DIR/clips/. \
            Re-running skips clips already done; a failing clip is recorded and the batch goes on.
            """)

    @Argument(help: "Clips or folders.")
    var inputs: [String] = []

    @OptionGroup var model: ModelOption

    @Option(help: "A second model (e.g. the Transformer++ baseline) to compare against.")
    var baseline: String?

    @Option(parsing: .unconditional, help: "Rollout length.")
    var horizon = 8

    @Option(parsing: .unconditional, help: "Thinking steps (default: as trained).")
    var think: Int?

    @Option(parsing: .unconditional, help: "Context frames (default: as trained).")
    var context: Int?

    @Option(parsing: .unconditional, help: "Candidates to think about per frame; the lowest final energy wins.")
    var samples = 1

    @Option(parsing: .unconditional, help: "Stop thinking once a step lowers the energy by less than this fraction.")
    var adaptive: Float?

    @Option(help: "Output folder.")
    var out = "outputs/eval"

    @Flag(help: "Stop at the first clip that fails (exit 1) instead of recording it and going on.")
    var failFast = false

    @OptionGroup var orientation: OrientationOption

    @Option(parsing: .unconditional, help: "Clips evaluated at once, each by its own worker process.")
    var jobs = 1

    @Option(help: .hidden)
    var shard: String?

    /// Every flag value is checked here, once: the request's own and the workers'. A bad one is a
    /// usage error.
    func validate() throws {
        if let problem = request.problem ?? OutputPath.problem(out) { throw ValidationError(problem) }
        guard jobs >= 1 && jobs <= 64 else { throw ValidationError("--jobs must be between 1 and 64, got \(jobs)") }
        if let shard, parsedShard(shard) == nil { throw ValidationError("--shard must be INDEX/COUNT, got \(shard)") }
    }

    func parsedShard(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else { return nil }
        return (parts[0], parts[1])
    }

    /// What the flags ask for, but the baseline model, which `run` loads.
    var request: EvalRequest {
        var request = EvalRequest(inputs: inputs, output: URL(fileURLWithPath: out))
        request.horizon = horizon
        request.thinkingSteps = think
        request.context = context
        request.samples = samples
        request.tolerance = adaptive
        request.failFast = failFast
        request.keepOrientation = orientation.keepOrientation
        request.shard = shard.flatMap(parsedShard)
        return request
    }

    func run() throws {
        MallocArenas.useOne()
        if shard != nil { EvalWorkers.followParent() }
        let began = Date()
        let (modelFile, modelPath) = try model.load()
        var request = self.request
        request.baseline = try baseline.map(ModelOption.open)
        let job = EvalJob(model: modelFile)
        let survey = try job.survey(request)
        if shard == nil {
            print("records: \(survey.reused) of \(survey.clipCount) reused from an earlier run into \(out)"
                  + (survey.outdated > 0 ? ", \(survey.outdated) made from other inputs or options or failed, evaluated again" : ""))
        }
        let reusedEarlier = Set(survey.entries.compactMap { $0.reusable?.clip })
        let progress = ProgressLine()
        var evaluated = 0
        if jobs > 1 && shard == nil && !survey.pendingRecords.isEmpty {
            let clips = survey.clipCount
            var arguments = inputs + ["--model", modelPath, "--horizon", String(horizon), "--out", out]
            if let baseline { arguments += ["--baseline", baseline] }
            if let think { arguments += ["--think", String(think)] }
            if let context { arguments += ["--context", String(context)] }
            if samples > 1 { arguments += ["--samples", String(samples)] }
            if let adaptive { arguments += ["--adaptive", String(adaptive)] }
            if failFast { arguments.append("--fail-fast") }
            if orientation.keepOrientation { arguments.append("--keep-orientation") }
            let workers = EvalWorkers(count: min(jobs, max(survey.pendingRecords.count, 1)), arguments: arguments,
                                      pendingRecords: survey.pendingRecords, reused: survey.reused)
            try workers.run { done in
                let elapsed = Date().timeIntervalSince(began), fresh = done - survey.reused
                let left = fresh > 0 ? elapsed / Double(fresh) * Double(clips - done) : .nan
                progress.update("\(ProgressLine.bar(Double(done) / Double(max(clips, 1)))) clip \(done)/\(clips)  ETA \(ProgressLine.duration(left))  \(jobs) workers")
            }
        }
        let results = try job.run(request) { index, total, clip, skipped in
            if let error = clip.error { progress.message("error: \(error)") }
            // Warnings of this run's clips, the workers' included (their stderr is not shown).
            if !reusedEarlier.contains(clip.clip) { clip.warnings.forEach { progress.message("warning: \($0)") } }
            if !skipped { evaluated += 1 }
            let elapsed = Date().timeIntervalSince(began)
            let left = evaluated > 0 ? elapsed / Double(evaluated) * Double(total - index) : .nan
            progress.update("\(ProgressLine.bar(Double(index) / Double(total))) clip \(index)/\(total)  ETA \(ProgressLine.duration(left))  \(clip.clip)")
        }
        progress.finish()
        if request.shard != nil { return }  // a worker: the parent writes the summary
        let steps = think ?? modelFile.network.config.thinkingSteps
        let summary = try EvalSummary.write(results, thinkSteps: steps, seconds: Date().timeIntervalSince(began),
                                            errorScale: modelFile.errorScale.origin, to: request.output)
        try EvalReport.write(summary: summary, results: results, modelPath: modelPath, grid: modelFile.codec.grid, to: request.output)
        func row(_ name: String, _ q: Quality?) {
            guard let q else { return }
            print(name.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: "PSNR %6.2f dB  SSIM %.3f  embedding MSE %.4f", q.psnr, q.ssim, q.embeddingMSE))
        }
        print("\(summary.clips) clips (\(summary.failed) failed), \(summary.frames) frames, \(steps) thinking steps")
        // Within clips first: a pooled mean can hide a clip the model makes worse.
        print("per clip, one-step PSNR dB:  model  copy-last  motion  clip")
        for clip in results where clip.error == nil {
            guard let m = clip.model, let c = clip.copyLast, let v = clip.motion else { continue }
            print(String(format: "                            %6.2f  %6.2f     %6.2f  ", m.psnr, c.psnr, v.psnr) + URL(fileURLWithPath: clip.clip).lastPathComponent)
        }
        row("model", summary.model)
        row("copy-last", summary.copyLast)
        row("linear", summary.linear)
        row("motion", summary.motion)
        row("baseline", summary.baseline)
        let cutClips = results.filter { !$0.cutFrames.isEmpty }
        if summary.cutFrames > 0 || !cutClips.isEmpty {
            var line = "scene cuts: \(summary.cutFrames) evaluated frames start a new shot (in \(cutClips.count) clips), included in every figure"
            if let m = summary.modelPSNRWithoutCuts, let c = summary.copyLastPSNRWithoutCuts {
                line += String(format: "; without them model PSNR %.2f dB, copy-last %.2f dB", m, c)
            }
            print(line)
        } else {
            print("scene cuts: none found")
        }
        let chosen = results.filter { $0.lowestEnergyIsLowestError != nil }
        if !chosen.isEmpty {
            let frames = Double(chosen.reduce(0) { $0 + $1.frames })
            let hits = chosen.reduce(0.0) { $0 + $1.lowestEnergyIsLowestError! * Double($1.frames) } / frames
            let alternatives = chosen.reduce(0.0) { $0 + ($1.alternativeChosen ?? 0) * Double($1.frames) } / frames
            print(String(format: "samples: the lowest-energy sample was the lowest-error one on %.1f%% of frames; another start than the model's won on %.1f%%",
                         100 * hits, 100 * alternatives))
        }
        for (name, agreement) in [("expected PSNR (energy at the prediction)", summary.expectedPSNR), ("surprise PSNR (the real frame's excess)", summary.surprisePSNR)] {
            guard let agreement else { continue }
            print(String(format: "%@: %.2f dB against the measured %.2f dB, mean |difference| %.2f dB", name, agreement.meanFromEnergy,
                         agreement.meanMeasured, agreement.meanAbsoluteDifference))
        }
        if let origin = summary.errorScale { print("  scale: \(origin)") }
        if let s = summary.energyErrorSpearman {
            print(String(format: "energy-error Spearman %.3f pooled", s) + (summary.energyErrorSpearmanWithinClips.map { String(format: ", %.3f within clips", $0) } ?? ""))
        }
        if let a = summary.surpriseAUROC {
            print(String(format: "surprise AUROC %.3f pooled", a) + (summary.surpriseAUROCWithinClips.map { String(format: ", %.3f within clips", $0) } ?? "")
                  + (summary.frameDifferenceAUROCWithinClips.map { String(format: " (frame difference, no model: %.3f within clips)", $0) } ?? ""))
            for clip in results where clip.surpriseAUROC != nil {
                print(String(format: "  AUROC %.3f (frame difference %.3f)  ", clip.surpriseAUROC!, clip.frameDifferenceAUROC ?? .nan)
                      + URL(fileURLWithPath: clip.clip).lastPathComponent)
            }
        }
        if let u = summary.patchUncertaintySpearman, let s = summary.patchSurpriseSpearman, let m = summary.patchShiftSpearman {
            print(String(format: "per-patch error Spearman: %.3f with energy at the prediction (uncertainty map), %.3f with the thinking shift, %.3f with surprise (energy of the real frame)", u, m, s))
            if let motion = summary.patchMotionSpearman {
                print(String(format: "  for reference, %.3f with the last context frame's change per patch (no model)", motion))
            }
        }
        print("wrote \(request.output.relativePath)/results.csv, summary.json, report.html")
    }
}
