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
            Re-running skips clips already done; a failing clip is recorded and the batch goes on. \
            With --shard INDEX/COUNT only that slice of the clips is evaluated, and DIR/shard.json \
            says which; `ebtvid eval merge` builds the whole batch's outputs from every shard's DIR.
            """,
        subcommands: [EvalMergeCommand.self])

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

    @Option(help: ArgumentHelp("Evaluate only the INDEX-th of COUNT slices of the sorted clip list (every COUNT-th clip from the INDEX-th, from 0) into --out, for `eval merge`.",
                               valueName: "INDEX/COUNT"))
    var shard: String?

    /// Set by `--jobs` on its worker processes: which of the workers this is (see `EvalWorkers`).
    @Option(help: .hidden)
    var worker: String?

    /// Every flag value is checked here, once: the request's own and the workers'. A bad one is a
    /// usage error.
    func validate() throws {
        if let problem = request.problem ?? OutputPath.problem(out) { throw ValidationError(problem) }
        guard jobs >= 1 && jobs <= 64 else { throw ValidationError("--jobs must be between 1 and 64, got \(jobs)") }
        if let shard, Self.slice(shard) == nil { throw ValidationError("--shard must be INDEX/COUNT with 0 <= INDEX < COUNT <= 10000, got \(shard)") }
        if let worker, Self.slice(worker) == nil { throw ValidationError("--worker must be INDEX/COUNT, got \(worker)") }
    }

    /// `INDEX/COUNT`, with 0 <= INDEX < COUNT.
    static func slice(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, count <= 10_000,
              (0..<count).contains(index) else { return nil }
        return (index, count)
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
        request.shard = shard.flatMap(Self.slice)
        request.worker = worker.flatMap(Self.slice)
        request.keepOrientation = orientation.keepOrientation
        return request
    }

    func run() throws {
        MallocArenas.useOne()
        if worker != nil { EvalWorkers.followParent() }
        let began = Date()
        let (modelFile, modelPath) = try model.load()
        var request = self.request
        request.baseline = try baseline.map(ModelOption.open)
        let job = EvalJob(model: modelFile)
        let survey = try job.survey(request)
        if worker == nil {
            print("records: \(survey.reused) of \(survey.clipCount) reused from an earlier run into \(out)"
                  + (survey.outdated > 0 ? ", \(survey.outdated) made from other inputs or options or failed, evaluated again" : ""))
        }
        let reusedEarlier = Set(survey.entries.compactMap { $0.reusable?.clip })
        let progress = ProgressLine()
        var evaluated = 0
        if jobs > 1 && worker == nil && !survey.pendingRecords.isEmpty {
            let clips = survey.clipCount
            var arguments = inputs + ["--model", modelPath, "--horizon", String(horizon), "--out", out]
            if let baseline { arguments += ["--baseline", baseline] }
            if let think { arguments += ["--think", String(think)] }
            if let context { arguments += ["--context", String(context)] }
            if samples > 1 { arguments += ["--samples", String(samples)] }
            if let adaptive { arguments += ["--adaptive", String(adaptive)] }
            if failFast { arguments.append("--fail-fast") }
            if let shard { arguments += ["--shard", shard] }
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
        if worker != nil { return }  // a worker: the parent writes the summary
        let steps = think ?? modelFile.network.config.thinkingSteps, seconds = Date().timeIntervalSince(began)
        let summary = try EvalOutputs.write(results, thinkSteps: steps, seconds: seconds, errorScale: modelFile.errorScale.origin,
                                            modelPath: modelPath, grid: modelFile.codec.grid, to: request.output)
        if let slice = request.shard {
            // Last, once every record of the shard is written: a folder with it is a finished shard.
            try EvalShard(index: slice.index, count: slice.count, survey: survey, modelPath: modelPath, model: modelFile,
                          thinkSteps: steps, seconds: seconds).write(to: request.output)
        }
        EvalPrintout.show(summary, results: results, thinkSteps: steps)
        print("wrote \(request.output.relativePath)/results.csv, summary.json, report.html" + (shard.map { ", shard.json (shard \($0))" } ?? ""))
    }
}
