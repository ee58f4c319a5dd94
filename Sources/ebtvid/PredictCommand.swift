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
            writes DIR/prediction.mp4 (context, then truth | prediction | error), DIR/frames.json \
            and DIR/frames.csv (energy at each thinking step, uncertainty, PSNR, SSIM and MSE for \
            the model and for copy-last-frame) and DIR/prediction.npy.
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

    func validate() throws {
        if let context, context < 1 { throw ValidationError("--context must be at least 1, got \(context)") }
        guard horizon >= 1 && horizon <= 1000 else { throw ValidationError("--horizon must be between 1 and 1000, got \(horizon)") }
        if let think, think < 0 || think > 1000 { throw ValidationError("--think must be between 0 and 1000, got \(think)") }
        guard samples >= 1 && samples <= 256 else { throw ValidationError("--samples must be between 1 and 256, got \(samples)") }
        if let adaptive, !(adaptive >= 0 && adaptive < 1) { throw ValidationError("--adaptive must be in [0, 1), got \(adaptive)") }
        if let start, start < 0 { throw ValidationError("--start must be 0 or more, got \(start)") }
    }

    func run() throws {
        let modelFile = try model.load().file
        var options = PredictionOptions(thinkingSteps: think ?? modelFile.network.config.thinkingSteps, samples: samples, tolerance: adaptive)
        options.seed = 0
        var request = PredictRequest(clip: URL(fileURLWithPath: clip), output: URL(fileURLWithPath: out), options: options)
        request.context = context
        request.horizon = horizon
        request.start = start
        let result = try PredictJob(model: modelFile).run(request)

        print("context frames \(result.contextRange.lowerBound)...\(result.contextRange.upperBound - 1)")
        print("frame   energy     PSNR dB   SSIM    copy-last PSNR")
        for f in result.frames {
            func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "-" }
            let energy = f.energy.map { String(format: "%8.3f", $0) } ?? "       -"
            print(String(format: "%5d", f.index) + "  " + energy + "   " + number(f.psnr, "%7.2f") + "   "
                  + number(f.ssim, "%5.3f") + "   " + number(f.copyLastPSNR, "%7.2f"))
        }
        print("wrote " + result.files.map(\.relativePath).joined(separator: ", "))
    }
}
