import ArgumentParser
import Foundation
import Pipeline

/// `ebtvid surprises`: surprise clips with sidecar JSON built from real footage (Debian's OpenCV
/// and Kivy sample videos, fetched by `make real-footage`), for evaluation only.
struct SurprisesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surprises",
        abstract: "Build surprise clips (cut, reversal, jump, glitches) from real footage, with sidecar JSON.",
        discussion: """
            Reads vtest.avi, cityCC0.mpg and Megamind.avi from SOURCE and writes into --out: \
            cut-vtest-cityCC0 and cut-Megamind-vtest (100 frames of one clip, then 100 of the \
            other resized to the first's size), reversal-vtest and reversal-cityCC0 (100 frames \
            forwards, 60 backwards, then forwards again), jump-vtest and jump-cityCC0 (100 frames, \
            then 20 skipped), each as H.264 mp4 at its first source's size (odd sides lose a row or \
            column) and rate, at most 260 frames, with NAME.json giving surprise_frames, cause, \
            sources and segments. Then compares --glitched (default: Megamind_bugy.avi in --out) \
            with Megamind.avi frame by frame, prints the outlier frames and writes its sidecar \
            beside it.
            """)

    @Argument(help: ArgumentHelp("Folder holding vtest.avi, cityCC0.mpg and Megamind.avi.", valueName: "source"))
    var source: String

    @Option(help: "Folder for the surprise clips (created if missing).")
    var out: String

    @Option(help: ArgumentHelp("The glitched copy of Megamind.avi; its sidecar is written beside it.", valueName: "file"))
    var glitched: String?

    @Flag(help: "Skip the glitch clip.")
    var noGlitches = false

    func validate() throws {
        if let problem = OutputPath.problem(out) ?? glitched.flatMap({ OutputPath.problem($0, flag: "--glitched") }) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        let output = URL(fileURLWithPath: out)
        let glitchedClip = noGlitches ? nil
            : glitched.map { URL(fileURLWithPath: $0) } ?? output.appendingPathComponent(SurpriseClipsJob.glitchedMegamind)
        let outputs = try SurpriseClipsJob.run(sourceDirectory: URL(fileURLWithPath: source), outputDirectory: output,
                                               glitched: glitchedClip, log: { print($0) }, warn: Diagnostics.warn)
        print("wrote \(outputs.count) sidecars in \(output.relativePath)")
    }
}
