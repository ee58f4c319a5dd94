import ArgumentParser
import Foundation

/// The `ebtvid` command line: each subcommand lives in its own file.
@main
struct EbtvidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebtvid",
        abstract: "Predict the next frames of a video with an Energy-Based Transformer, with uncertainty.",
        subcommands: [PredictCommand.self, OverlayCommand.self, EvalCommand.self, TrainCommand.self, CalibrateCommand.self, InfoCommand.self, FramesCommand.self, SynthCommand.self, SurprisesCommand.self])

    @Flag(help: "Print the version, the git revision it was built from and the default model.")
    var version = false

    /// Without a subcommand: the version with --version, else the help.
    func run() throws {
        guard version else { throw CleanExit.helpRequest(self) }
        VersionInfo.lines.forEach { print($0) }
    }

    /// Runs the parsed command and turns every failure into one `error:` line and an exit code,
    /// instead of ArgumentParser's multi-line usage dump or a Swift crash trace.
    static func main() {
        TerminationCleanup.install()
        let arguments = Array(CommandLine.arguments.dropFirst())
        // `eval` takes clips as arguments, among which ArgumentParser would read `merge` too.
        if arguments.starts(with: ["eval", "merge"]) { run(EvalMergeCommand.self, Array(arguments.dropFirst(2))) }
        run(Self.self, arguments)
    }

    private static func run<Command: ParsableCommand>(_ type: Command.Type, _ arguments: [String]) -> Never {
        do {
            var command = try type.parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch {
            let code = type.exitCode(for: error)
            if code == .success { type.exit(withError: error) }  // --help and friends print and exit 0
            Diagnostics.fail(error, message: type.message(for: error), code: code.rawValue)
        }
    }
}
