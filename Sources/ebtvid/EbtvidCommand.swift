import ArgumentParser

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
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help and friends print and exit 0
            Diagnostics.fail(error, message: message(for: error), code: code.rawValue)
        }
    }
}
