import ArgumentParser
import EBT
import Foundation
import Pipeline

/// `ebtvid predict`: the next frames of a clip, with the model's uncertainty about each.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the next frames of a clip and say how sure the model is.",
        discussion: """
            Takes a window of the clip (by default its last context + horizon frames, so the true \
            frames are there to compare against), predicts `horizon` frames one after another, and \
            writes DIR/prediction.mp4 (titled panels: context, truth, prediction, error and the \
            uncertainty map; a caption per frame; each prediction held half a second), DIR/frames.json \
            and DIR/frames.csv (energy at each thinking step, uncertainty, PSNR, SSIM and MSE for \
            the model and for copy-last-frame, and the PSNR of the prediction drawn at the clip's own \
            size), DIR/prediction.npy, and DIR/continuation.mp4: the context then the predictions at \
            the clip's own resolution (up to 1080p), the measured motion carried onto the clip's \
            own last frame and the model's correction enlarged onto it.
            """)

    @Argument(help: "The clip.")
    var clip: String

    @OptionGroup var model: ModelOption

    @Option(parsing: .unconditional, help: "Context frames (default: the model's).")
    var context: Int?

    @Option(parsing: .unconditional, help: "Frames to predict.")
    var horizon = 8

    @Option(parsing: .unconditional, help: "Thinking steps (default: as trained); more is allowed.")
    var think: Int?

    @Option(parsing: .unconditional, help: "Think about N candidates and keep the lowest-energy one.")
    var samples = 1

    @Option(parsing: .unconditional, help: "Stop thinking once a step lowers the energy by less than this fraction.")
    var adaptive: Float?

    @Option(parsing: .unconditional, help: "First frame of the window (default: the end of the clip).")
    var start: Int?

    @Option(help: "Output folder.")
    var out = "outputs/predict"

    @OptionGroup var orientation: OrientationOption

    /// Every flag value is checked here, once, by the request they make: a bad one is a usage
    /// error. Without --think the model's own steps are used, which its config bounds.
    func validate() throws {
        if let problem = request(modelThinkingSteps: 0).problem ?? OutputPath.problem(out) { throw ValidationError(problem) }
    }

    /// What the flags ask for, thinking `modelThinkingSteps` steps unless --think says otherwise.
    func request(modelThinkingSteps: Int) -> PredictRequest {
        var options = PredictionOptions(thinkingSteps: think ?? modelThinkingSteps, samples: samples, tolerance: adaptive)
        options.seed = 0
        var request = PredictRequest(clip: URL(fileURLWithPath: clip), output: URL(fileURLWithPath: out), options: options)
        request.context = context
        request.horizon = horizon
        request.start = start
        request.keepOrientation = orientation.keepOrientation
        return request
    }

    func run() throws {
        let modelFile = try model.load().file
        let result = try PredictJob(model: modelFile).run(request(modelThinkingSteps: modelFile.network.config.thinkingSteps))

        for note in result.notes { Diagnostics.note("note: " + note) }
        for warning in result.warnings { Diagnostics.warn(warning) }
        print("context frames \(result.contextRange.lowerBound)...\(result.contextRange.upperBound - 1)")
        print("frame   energy   expected PSNR dB   PSNR dB   SSIM    copy-last PSNR dB   at the clip's size: PSNR dB   copy-last")
        for f in result.frames {
            func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "-" }
            let energy = f.energy.map { String(format: "%8.3f", $0) } ?? "       -"
            print(String(format: "%5d", f.index) + "  " + energy + "   " + number(f.expectedPSNR, "%16.2f") + "   " + number(f.psnr, "%7.2f") + "   "
                  + number(f.ssim, "%5.3f") + "   " + number(f.copyLastPSNR, "%17.2f") + "   "
                  + number(f.fullSizePSNR, "%27.2f") + "   " + number(f.copyLastFullSizePSNR, "%9.2f"))
        }
        print("expected PSNR: the PSNR the energy stands for, \(result.scale)")
        print("wrote " + result.files.map(\.relativePath).joined(separator: ", "))
    }
}
