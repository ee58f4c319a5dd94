import ArgumentParser
import Foundation
import VideoIO

/// `ebtvid synth`: a reproducible set of synthetic clips with surprise ground truth.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write synthetic clips (bouncing textured shapes, camera pans, zooms) with sidecar JSON.",
        discussion: """
            The same seed gives the same pixels. Kinds cycle bouncing, pan, zoom; every second clip \
            has surprise events (an object appears, vanishes or swerves; the camera swerves; the zoom \
            reverses). Each NAME.mp4 gets NAME.json with seed, frames, fps, size, kind and surprise_frames. \
            With --photos, every clip films a photograph its seed picks from DIR (.jpg, .jpeg, .png, \
            searched recursively): pans and zooms over it with a few shapes moving in front, or shapes \
            bouncing over a window of it; such clips are named NAME-photo and their JSON has `photo`.
            """)

    @Option(help: "Directory for the clips (created if missing).")
    var out: String

    @Option(parsing: .unconditional, help: "How many clips.")
    var count = 8

    @Option(parsing: .unconditional, help: "Frames per clip.")
    var frames = 48

    @Option(parsing: .unconditional, help: "Width and height in pixels (even, 16...1024).")
    var size = 64

    @Option(parsing: .unconditional, help: "Seed of the set.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Frames per second.")
    var fps: Double = 24

    @Option(help: ArgumentHelp("Film photographs from this folder instead of procedural textures.", valueName: "dir"))
    var photos: String?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
        guard frames >= 2 else { throw ValidationError("--frames must be at least 2, got \(frames)") }
        guard (16...1024).contains(size), size % 2 == 0 else {
            throw ValidationError("--size must be an even number from 16 to 1024, got \(size)")
        }
        guard fps > 0, fps <= 240 else { throw ValidationError("--fps must be in (0, 240], got \(fps)") }
    }

    func run() throws {
        // Photos are decoded before the folder is created, so a bad photo leaves nothing behind.
        let library = try photos.map {
            try PhotoLibrary(directory: URL(fileURLWithPath: $0), side: SyntheticClip.photoSide(forClipSize: size))
        }
        let directory = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw VideoIOError.cannotWrite(path: out, reason: "cannot create directory")
        }
        for index in 0..<count {
            let clip = SyntheticClip.member(ofSetWithSeed: seed, index: index, size: size, frameCount: frames, fps: fps,
                                            photos: library)
            let video = try clip.write(to: directory)
            let surprises = clip.surpriseFrames.isEmpty ? "none" : clip.surpriseFrames.map(String.init).joined(separator: ",")
            let photo = clip.photo.map { "  photo: \($0.url.lastPathComponent)" } ?? ""
            print("\(video.relativePath)  \(clip.kind.rawValue)  surprises: \(surprises)\(photo)")
        }
    }
}
