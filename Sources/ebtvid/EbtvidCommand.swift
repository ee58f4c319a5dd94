import ArgumentParser

/// The `ebtvid` command line: each subcommand lives in its own file.
@main
struct EbtvidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebtvid",
        abstract: "Predict the next frames of a video with an Energy-Based Transformer, with uncertainty.",
        subcommands: [])
}
