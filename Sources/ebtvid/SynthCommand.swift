import ArgumentParser
import FileSystem
import Foundation
import VideoIO

/// `ebtvid synth`: a reproducible set of synthetic clips with surprise ground truth.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write synthetic clips (bouncing textured shapes, camera pans, zooms, camera footage) with sidecar JSON.",
        discussion: """
            The same seed gives the same pixels. With --kind mixed (the default), kinds cycle bouncing, \
            pan, zoom; every second clip has surprise events (an object appears, vanishes or swerves; the \
            camera swerves; the zoom reverses). Each NAME.mp4 gets NAME.json with seed, frames, fps, size \
            (width and height instead when the frames are not square), kind and surprise_frames. With \
            --photos, every clip films a photograph its seed picks from DIR (.jpg, .jpeg, .png, searched \
            recursively): pans and zooms over it with a few shapes moving in front, or shapes bouncing \
            over a window of it; such clips are named NAME-photo and their JSON has `photo`.

            --kind camera (needs --photos) makes footage-like clips instead: a far background photo and \
            one or two nearer photo layers moving with parallax, photo-textured objects moving, turning \
            and occluding one another, filmed by a static (about a third of the clips), panning, zooming \
            or hand-held camera, with motion blur, sensor noise and exposure drift, encoded at CRF 23; \
            every --cut-every'th clip has a hard cut to another photo scene, its frame in \
            surprise_frames. Their JSON adds `photos` (every photo used) and `camera` (per shot: motion \
            static/pan/drift, zoom, shake, layers, objects; the noise level and shutter).
            """)

    /// What the set holds.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case mixed, camera
    }

    @Option(help: "Directory for the clips (created if missing).")
    var out: String

    @Option(help: "mixed: bouncing, pan and zoom in turn; camera: footage-like clips filmed from --photos.")
    var kind: Kind = .mixed

    @Option(parsing: .unconditional, help: "How many clips.")
    var count = 8

    @Option(parsing: .unconditional, help: "Frames per clip.")
    var frames = 48

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Frame size, N for NxN or WxH; each side even, 16...1024 (default 64).", valueName: "size"))
    var size: FrameSize?

    @Option(parsing: .unconditional, help: "Frame width (with --height, instead of --size).")
    var width: Int?

    @Option(parsing: .unconditional, help: "Frame height (with --width, instead of --size).")
    var height: Int?

    @Option(parsing: .unconditional, help: "Seed of the set.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Frames per second.")
    var fps: Double = 24

    @Option(help: ArgumentHelp("Film photographs from this folder instead of procedural textures.", valueName: "dir"))
    var photos: String?

    @Option(name: .customLong("cut-every"), parsing: .unconditional,
            help: ArgumentHelp("Camera clips: every N-th clip has a hard cut (0: none).", valueName: "n"))
    var cutEvery = 4

    @Option(parsing: .unconditional,
            help: ArgumentHelp("H.264 constant rate factor, 0...51 (default 14 for mixed, 23 for camera).", valueName: "crf"))
    var crf: Int?

    /// The frame size the flags ask for.
    var frameSize: (width: Int, height: Int) {
        if let width, let height { return (width, height) }
        return (size?.width ?? 64, size?.height ?? 64)
    }

    func validate() throws {
        if let problem = OutputPath.problem(out) { throw ValidationError(problem) }
        guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
        guard frames >= 2 else { throw ValidationError("--frames must be at least 2, got \(frames)") }
        if (width == nil) != (height == nil) {
            throw ValidationError("--width and --height go together")
        }
        if width != nil, size != nil {
            throw ValidationError("give --size or --width and --height, not both")
        }
        let (w, h) = frameSize
        for (name, value) in [("width", w), ("height", h)] {
            guard (16...1024).contains(value), value % 2 == 0 else {
                let flag = width == nil ? "--size" : "--\(name)"
                throw ValidationError("\(flag) must give an even \(name) from 16 to 1024, got \(value)")
            }
        }
        // The encoder's time base cannot express rates far below one frame a second.
        guard fps >= 1, fps <= 240 else { throw ValidationError("--fps must be between 1 and 240, got \(fps)") }
        guard cutEvery >= 0 else { throw ValidationError("--cut-every must be 0 or more, got \(cutEvery)") }
        if let crf, !(0...51).contains(crf) { throw ValidationError("--crf must be in 0...51, got \(crf)") }
        if kind == .camera, photos == nil {
            throw ValidationError("--kind camera films photographs: give --photos DIR")
        }
    }

    func run() throws {
        let (width, height) = frameSize
        // Photos are decoded before the folder is created, so a bad photo leaves nothing behind.
        let library = try photos.map {
            try PhotoLibrary(directory: URL(fileURLWithPath: $0),
                             side: SyntheticClip.photoSide(forClipSize: max(width, height)))
        }
        let directory = URL(fileURLWithPath: out)
        try Folder.create(directory)
        for index in 0..<count {
            let clip = SyntheticClip.member(ofSetWithSeed: seed, index: index, width: width, height: height,
                                            frameCount: frames, fps: fps, photos: library,
                                            kinds: kind == .camera ? .camera : .mixed, cutEvery: cutEvery)
            var options = clip.defaultWriteOptions
            if let crf { options.crf = crf }
            let video = try clip.write(to: directory, options: options)
            let surprises = clip.surpriseFrames.isEmpty ? "none" : clip.surpriseFrames.map(String.init).joined(separator: ",")
            let photo = clip.photo.map { "  photo: \($0.url.lastPathComponent)" } ?? ""
            var camera = ""
            if let shots = clip.manifest.camera?.shots {
                camera = "  camera: " + shots.map { shot in
                    shot.motion + (shot.zoom ? "+zoom" : "") + (shot.shake ? "+shake" : "")
                }.joined(separator: " | ")
            }
            print("\(video.relativePath)  \(clip.kind.rawValue)  surprises: \(surprises)\(photo)\(camera)")
        }
    }
}
