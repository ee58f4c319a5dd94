import ArgumentParser

/// `--keep-orientation`, shared by the commands that decode clips: a phone clip's display
/// matrix turns its frames upright by default, as players and FFmpeg show it, and this reads
/// them as stored instead (for a model trained on clips read that way, or to see the raw frames).
struct OrientationOption: ParsableArguments {
    @Flag(help: "Read frames as stored, without turning them upright by the clip's rotation (see `info`).")
    var keepOrientation = false
}
