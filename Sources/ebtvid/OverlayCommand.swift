import ArgumentParser
import EBT
import FileSystem
import Foundation
import Pipeline

/// `ebtvid overlay`: the clip with the model's per-patch surprise drawn over it.
struct OverlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlay",
        abstract: "Write the clip with a heat-map of where each frame surprises the model.",
        discussion: """
            Slides over the whole clip: each frame is scored against the frames before it, and the \
            energy of each patch is blended in as heat (legend under the picture), with the frame's \
            surprise score (its energy above the energy of the model's own prediction) as a gauge, \
            its running sparkline, and a red frame and marker where that score is an outlier. \
            Beside the video, FILE.csv and FILE.json hold each frame's energy, surprise score and \
            whether it is an outlier, and the outlier list. The three files appear together, \
            replacing an earlier run's only when all are written.
            """)

    @Argument(help: "The clip.")
    var clip: String

    /// Must be an EBT: the baseline has no energy to draw.
    @OptionGroup var model: ModelOption

    @Option(parsing: .unconditional, help: "Context frames (default: the model's).")
    var context: Int?

    @Option(parsing: .unconditional, help: "The picture's long side in the output video (even, 64...1920; default 256).")
    var size: Int?

    @Flag(help: "Draw the picture at the clip's own size (up to 1080p) instead.")
    var fullSize = false

    @Option(help: "Output video (.mp4); its per-frame scores go beside it with .csv and .json.")
    var out = "outputs/overlay.mp4"

    @OptionGroup var orientation: OrientationOption

    /// Every flag value is checked here, once, by the request they make: a bad one is a usage error.
    func validate() throws {
        if fullSize && size != nil { throw ValidationError("--size and --full-size ask for two sizes; give one") }
        if let problem = request.problem ?? OutputPath.problem(out) { throw ValidationError(problem) }
    }

    /// What the flags ask for.
    var request: OverlayRequest {
        var request = OverlayRequest(clip: URL(fileURLWithPath: clip), output: URL(fileURLWithPath: out))
        request.context = context
        request.size = fullSize ? nil : size ?? OverlayRequest.defaultSize
        request.keepOrientation = orientation.keepOrientation
        return request
    }

    func run() throws {
        let modelFile = try model.load().file
        let request = self.request
        try Folder.create(request.output.deletingLastPathComponent())
        // Refused before the clip is scored, not after.
        try OutputPath.checkWritable(request.output)
        let progress = ProgressLine(), began = Date()
        let result = try OverlayJob(model: modelFile).run(request) { done, total in
            let elapsed = Date().timeIntervalSince(began)
            let left = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
            // The job scores every frame, then draws every frame: half the work each.
            let frames = total / 2, drawing = done > frames
            let step = drawing ? "drawing frame \(done - frames)/\(frames)" : "scoring frame \(done)/\(frames)"
            progress.update("\(ProgressLine.bar(Double(done) / Double(max(total, 1)))) \(step)  ETA \(ProgressLine.duration(left))")
        }
        progress.finish()
        result.warnings.forEach(Diagnostics.warn)
        print("\(result.energies.count) frames; outliers: \(OutlierList.short(result.outliers)); scene cuts: \(OutlierList.short(result.sceneCuts))")
        let judged = result.surprisePSNR.indices.filter { result.surprisePSNR[$0].isFinite }
        if let lowest = judged.min(by: { result.surprisePSNR[$0] < result.surprisePSNR[$1] }) {
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            print(String(format: "surprise PSNR: median %.1f dB, lowest %.1f dB at frame %d (expected %.1f dB there); expected PSNR median %.1f dB",
                         median(judged.map { result.surprisePSNR[$0] }), result.surprisePSNR[lowest], lowest, result.expectedPSNR[lowest],
                         median(judged.map { result.expectedPSNR[$0] })))
            print("  scale: \(modelFile.errorScale.origin)")
        }
        print("wrote " + result.files.map(\.relativePath).joined(separator: ", "))
    }
}
