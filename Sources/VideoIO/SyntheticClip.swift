import Foundation

/// A reproducible synthetic clip: its seed decides every pixel. Clips come in three kinds of
/// motion, and some carry surprise events — things that happen with no visible cause — whose
/// frame indices are the ground truth for testing whether uncertainty rises where it should.
/// With a photo, the clip films it instead of a procedural texture: natural image statistics
/// for the model to learn, under the same motions and surprises.
public struct SyntheticClip: Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// Textured shapes at constant velocity, bouncing off the walls and occluding each other.
        case bouncing
        /// A camera panning at constant velocity over a procedural texture.
        case pan
        /// A camera zooming in or out at a constant rate over a procedural texture.
        case zoom
    }

    /// Something that happens at `frame` with no cause in the preceding frames.
    public struct Event: Codable, Equatable, Sendable {
        public enum Cause: String, Codable, Sendable {
            /// An object that was not there appears.
            case appear
            /// An object disappears.
            case vanish
            /// An object or the camera changes direction away from any wall.
            case swerve
            /// The zoom turns around.
            case reverse
        }
        /// The first frame that differs from the uneventful continuation.
        public var frame: Int
        public var cause: Cause
        /// Which object (bouncing clips), counted in drawing order.
        public var object: Int?
    }

    public let seed: UInt64
    public let kind: Kind
    /// Width and height in pixels (square frames).
    public let size: Int
    public let frameCount: Int
    public let fps: Double
    public let events: [Event]
    /// Position in a generated set, for naming; nil for a standalone clip.
    public let setIndex: Int?
    public let setSeed: UInt64?
    /// The photograph behind the motion; nil for a procedural texture.
    public let photo: Photo?

    /// Sorted, distinct indices of the frames where a surprise first shows.
    public var surpriseFrames: [Int] { Array(Set(events.map(\.frame))).sorted() }

    /// A clip of `kind`; with `surprises`, one or two events are placed in its middle half.
    public init(seed: UInt64, kind: Kind, size: Int, frameCount: Int, fps: Double = 24, surprises: Bool,
                setIndex: Int? = nil, setSeed: UInt64? = nil, photo: Photo? = nil) {
        self.seed = seed
        self.kind = kind
        self.size = size
        self.frameCount = frameCount
        self.fps = fps
        self.setIndex = setIndex
        self.setSeed = setSeed
        self.photo = photo
        var random = SplitMix64(seed: seed ^ 0xE7E4_75A1_D3C2_B1F0)
        self.events = surprises ? Self.planEvents(kind: kind, frameCount: frameCount, random: &random) : []
    }

    /// Member `index` of the set generated from `seed`: kinds cycle bouncing, pan, zoom and every
    /// second clip has surprises, so six consecutive clips cover every combination. With
    /// `photos`, each clip films the one its seed picks.
    public static func member(ofSetWithSeed seed: UInt64, index: Int, size: Int, frameCount: Int,
                              fps: Double = 24, photos: PhotoLibrary? = nil) -> SyntheticClip {
        var mixer = SplitMix64(seed: seed &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        let kinds = Kind.allCases
        let clipSeed = mixer.next()
        return SyntheticClip(seed: clipSeed, kind: kinds[index % kinds.count], size: size,
                             frameCount: frameCount, fps: fps, surprises: index % 2 == 1,
                             setIndex: index, setSeed: seed, photo: photos?.photo(forSeed: clipSeed))
    }

    /// Texels on a side to decode photos at for clips of `size` pixels: four frames across leaves a
    /// pan room to travel at one texel per pixel; capped so a set of large photos fits in memory.
    public static func photoSide(forClipSize size: Int) -> Int { min(4 * size, 2048) }

    /// File name stem: `s<set seed>-<index>-<kind>` in a set, `clip-<seed>-<kind>` alone, with
    /// `-photo` after it when a photograph is filmed, so results can be split by backdrop.
    public var name: String {
        let backdrop = photo == nil ? "" : "-photo"
        if let setIndex, let setSeed {
            return "s\(setSeed)-\(String(format: "%03d", setIndex))-\(kind.rawValue)\(backdrop)"
        }
        return "clip-\(seed)-\(kind.rawValue)\(backdrop)"
    }

    /// Renders the frames one at a time, in order.
    public func forEachFrame(_ body: (RGBFrame) throws -> Void) rethrows {
        var scene: any SyntheticScene = kind == .bouncing
            ? BouncingShapesScene(seed: seed, size: size, events: events, photo: photo)
            : CameraMotionScene(seed: seed, size: size, zooms: kind == .zoom, events: events, photo: photo,
                                frameCount: frameCount)
        var frame = RGBFrame(width: size, height: size)
        for index in 0..<frameCount {
            frame.pixels.withUnsafeMutableBufferPointer { scene.render(frame: index, into: $0) }
            frame.sourceIndex = index
            frame.time = Double(index) / fps
            try body(frame)
        }
    }

    /// All frames in memory; for short clips and tests.
    public func frames() -> [RGBFrame] {
        var frames: [RGBFrame] = []
        frames.reserveCapacity(frameCount)
        forEachFrame { frames.append($0) }
        return frames
    }

    /// Writes `<name>.mp4` and the sidecar `<name>.json` into `directory`; returns the video's URL.
    /// Encoded reproducibly by default, so the same seed gives the same file.
    @discardableResult
    public func write(to directory: URL, options: WriteOptions = WriteOptions.reproducible) throws -> URL {
        let video = directory.appendingPathComponent(name + ".mp4")
        let writer = try VideoWriter(url: video, width: size, height: size, fps: fps, options: options)
        try forEachFrame { try writer.append($0) }
        try writer.finish()

        let file = try AtomicFile(url: directory.appendingPathComponent(name + ".json"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).withUnsafeBytes { try file.write($0) }
        try file.commit()
        return video
    }

    /// The sidecar's content.
    public var manifest: SyntheticClipManifest {
        SyntheticClipManifest(name: name, seed: seed, setSeed: setSeed, index: setIndex, kind: kind,
                              frames: frameCount, fps: fps, size: size,
                              surpriseFrames: surpriseFrames, events: events, photo: photo?.url.path)
    }

    private static func planEvents(kind: Kind, frameCount: Int, random: inout SplitMix64) -> [Event] {
        let early = max(1, frameCount / 4), late = max(early, frameCount * 3 / 4 - 1)
        switch kind {
        case .pan:
            return [Event(frame: random.integer(early...late), cause: .swerve, object: nil)]
        case .zoom:
            return [Event(frame: random.integer(early...late), cause: .reverse, object: nil)]
        case .bouncing:
            let causes: [Event.Cause] = [.appear, .vanish, .swerve]
            let count = random.integer(1...2)
            var events: [Event] = []
            for object in 0..<count {
                events.append(Event(frame: random.integer(early...late), cause: causes[random.integer(0...2)], object: object))
            }
            return events.sorted { $0.frame < $1.frame }
        }
    }
}

/// The sidecar JSON next to each synthetic clip.
public struct SyntheticClipManifest: Codable, Equatable, Sendable {
    public var name: String
    public var seed: UInt64
    public var setSeed: UInt64?
    public var index: Int?
    public var kind: SyntheticClip.Kind
    public var frames: Int
    public var fps: Double
    public var size: Int
    public var surpriseFrames: [Int]
    public var events: [SyntheticClip.Event]
    /// Path of the photograph filmed; absent for procedural clips.
    public var photo: String?

    enum CodingKeys: String, CodingKey {
        case name, seed, index, kind, frames, fps, size, events, photo
        case setSeed = "set_seed"
        case surpriseFrames = "surprise_frames"
    }
}
