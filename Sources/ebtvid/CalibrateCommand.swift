import ArgumentParser
import EBT
import Foundation
import Pipeline

/// `ebtvid calibrate`: refits an EBT's energy level to the errors it makes on clips, so the energy
/// ranks per-frame and per-patch errors; the predictions themselves do not change.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a model's uncertainty (its energy level) to the errors it makes on clips.",
        discussion: """
            Predicts evenly spread frames of every clip (folders are searched recursively), then \
            solves for the energy level that best matches each patch's squared error, in closed \
            form. Every fifth clip is held out and scores the fit. Use clips the model was not \
            evaluated on. A failing clip is reported and skipped.
            """)

    @Argument(help: "Clips or folders.")
    var inputs: [String] = []

    @OptionGroup var model: ModelOption

    @Option(help: "Where to write the calibrated model (.safetensors).")
    var out: String

    @Option(parsing: .unconditional, help: "Predicted frames taken from each clip.")
    var windowsPerClip = 24

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one clip or folder") }
        if let problem = OutputPath.problem(out) { throw ValidationError(problem) }
        guard windowsPerClip >= 1 && windowsPerClip <= 10_000 else {
            throw ValidationError("--windows-per-clip must be between 1 and 10000, got \(windowsPerClip)")
        }
    }

    func run() throws {
        let began = Date()
        let output = URL(fileURLWithPath: out)
        try OutputPath.checkWritable(output)
        let (modelFile, _) = try model.load()
        var request = CalibrationRequest(inputs: inputs, model: modelFile)
        request.windowsPerClip = windowsPerClip
        let progress = ProgressLine()
        let result = try CalibrationJob.run(request) { done, total in
            progress.update("\(ProgressLine.bar(Double(done) / Double(max(total, 1)))) clip \(done)/\(total)")
        }
        progress.finish()
        for failure in result.failed { print("skipped \(failure.clip): \(failure.reason)") }
        try result.model.write(to: output)
        func figure(_ value: Double?, _ format: String = "%.3f") -> String { value.map { String(format: format, $0) } ?? "n/a" }
        print("fitted on \(result.fittedFrames) frames of \(result.fittedClips) clips; \(result.heldOutFrames) held-out frames score it")
        print("held out, Spearman with squared error: per patch \(figure(result.patchSpearmanBefore)) -> \(figure(result.patchSpearmanAfter)), per frame \(figure(result.frameSpearmanBefore)) -> \(figure(result.frameSpearmanAfter))")
        print(String(format: "level: %.4f x the observed change + %.4f x the change the first guess makes",
                     result.featureWeights[0], result.featureWeights[1]))
        if let scale = result.errorScale {
            print(String(format: "error scale: expected PSNR dB from the energy at the prediction (slope %.3f, rms %.1f dB), surprise PSNR dB from the surprise excess (slope %.3f, rms %.1f dB)",
                         scale.expected.slope, scale.expected.residualDecibels, scale.seen.slope, scale.seen.residualDecibels))
            print("held out, mean |PSNR from energy - measured PSNR| in dB: expected \(figure(result.expectedPSNRErrorBefore, "%.2f")) with the codec's conversion -> \(figure(result.expectedPSNRErrorAfter, "%.2f")) fitted; surprise \(figure(result.surprisePSNRErrorBefore, "%.2f")) -> \(figure(result.surprisePSNRErrorAfter, "%.2f"))")
        } else {
            print("note: the frames could not fit an error scale; the model keeps the codec's conversion (see README, Reading the numbers)")
        }
        print(String(format: "wrote %@ in %.1f s", output.relativePath, Date().timeIntervalSince(began)))
    }
}
