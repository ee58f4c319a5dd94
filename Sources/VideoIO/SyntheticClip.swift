import FileSystem
import Foundation

/// A reproducible synthetic clip: its seed decides every pixel. Clips come in four kinds of
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
        /// Footage-like: photographs at two or three depths filmed by a static, panning/zooming or
        /// hand-held camera, with moving photo-textured objects, motion blur, sensor noise and
        /// exposure drift; a surprise is a hard cut to another scene. See `CameraFootageScene`.
        case camera

        /// The kinds a mixed set cycles through, in order (the original three: sets made before
        /// `camera` existed keep their kinds and pixels).
        public static let mixed: [Kind] = [.bouncing, .pan, .zoom]
    }

    /// Which kinds a generated set holds.
    public enum SetKinds: String, CaseIterable, Sendable {
        /// Bouncing, pan and zoom in turn; every second clip has surprises.
        case mixed
        /// Only `camera` clips; every `cutEvery`-th clip has a hard cut.
        case camera
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
            /// A hard cut to another scene (camera clips).
            case cut
        }
        /// The first frame that differs from the uneventful continuation.
        public var frame: Int
        public var cause: Cause
        /// Which object (bouncing clips), counted in drawing order.
        public var object: Int?
    }

    public let seed: UInt64
    public let kind: Kind
    /// Frame size in pixels.
    public let width: Int
    public let height: Int
    public let frameCount: Int
    public let fps: Double
    public let events: [Event]
    /// Position in a generated set, for naming; nil for a standalone clip.
    public let setIndex: Int?
    public let setSeed: UInt64?
    /// The photograph behind the motion; nil for a procedural texture. Camera clips film it as
    /// the far background of their first shot.
    public let photo: Photo?
    /// Camera clips: the photographs their layers, objects and cuts draw from (the library, in
    /// path order); empty for the other kinds, and for procedural camera clips.
    public let photoPool: [Photo]

    /// Sorted, distinct indices of the frames where a surprise first shows.
    public var surpriseFrames: [Int] { Array(Set(events.map(\.frame))).sorted() }

    /// A square clip of `kind`; with `surprises`, one or two events are placed in its middle half.
    public init(seed: UInt64, kind: Kind, size: Int, frameCount: Int, fps: Double = 24, surprises: Bool,
                setIndex: Int? = nil, setSeed: UInt64? = nil, photo: Photo? = nil, photoPool: [Photo] = []) {
        self.init(seed: seed, kind: kind, width: size, height: size, frameCount: frameCount, fps: fps,
                  surprises: surprises, setIndex: setIndex, setSeed: setSeed, photo: photo, photoPool: photoPool)
    }

    /// A `width` × `height` clip of `kind`; with `surprises`, one or two events are placed in its
    /// middle half (for `camera`, one hard cut).
    public init(seed: UInt64, kind: Kind, width: Int, height: Int, frameCount: Int, fps: Double = 24, surprises: Bool,
                setIndex: Int? = nil, setSeed: UInt64? = nil, photo: Photo? = nil, photoPool: [Photo] = []) {
        self.seed = seed
        self.kind = kind
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.fps = fps
        self.setIndex = setIndex
        self.setSeed = setSeed
        self.photo = photo
        self.photoPool = kind == .camera ? photoPool : []
        var random = SplitMix64(seed: seed ^ 0xE7E4_75A1_D3C2_B1F0)
        self.events = surprises ? Self.planEvents(kind: kind, frameCount: frameCount, random: &random) : []
    }

    /// Member `index` of the square set generated from `seed`; see the other `member`.
    public static func member(ofSetWithSeed seed: UInt64, index: Int, size: Int, frameCount: Int,
                              fps: Double = 24, photos: PhotoLibrary? = nil,
                              kinds: SetKinds = .mixed, cutEvery: Int = 4) -> SyntheticClip {
        member(ofSetWithSeed: seed, index: index, width: size, height: size, frameCount: frameCount, fps: fps,
               photos: photos, kinds: kinds, cutEvery: cutEvery)
    }

    /// Member `index` of the set generated from `seed`. A mixed set cycles bouncing, pan, zoom and
    /// every second clip has surprises, so six consecutive clips cover every combination; a
    /// camera set holds camera clips, and clip `cutEvery - 1`, `2 · cutEvery - 1`, ... has a hard
    /// cut (none when `cutEvery` is 0). With `photos`, each clip films the one its seed picks
    /// (camera clips pick among the textured photos, `Photo.isTextured`, when there are any, and
    /// draw their other layers, objects and cuts from the rest of the library).
    public static func member(ofSetWithSeed seed: UInt64, index: Int, width: Int, height: Int, frameCount: Int,
                              fps: Double = 24, photos: PhotoLibrary? = nil,
                              kinds: SetKinds = .mixed, cutEvery: Int = 4) -> SyntheticClip {
        var mixer = SplitMix64(seed: seed &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        let clipSeed = mixer.next()
        let kind: Kind, surprises: Bool
        switch kinds {
        case .mixed:
            kind = Kind.mixed[index % Kind.mixed.count]
            surprises = index % 2 == 1
        case .camera:
            kind = .camera
            surprises = cutEvery > 0 && index % cutEvery == cutEvery - 1
        }
        return SyntheticClip(seed: clipSeed, kind: kind, width: width, height: height,
                             frameCount: frameCount, fps: fps, surprises: surprises,
                             setIndex: index, setSeed: seed,
                             photo: kind == .camera ? photos?.texturedPhoto(forSeed: clipSeed) : photos?.photo(forSeed: clipSeed),
                             photoPool: kind == .camera ? photos?.photos ?? [] : [])
    }

    /// Texels on a side to decode photos at for clips of `size` pixels (the longer side): four
    /// frames across leaves a pan room to travel at one texel per pixel; capped so a set of large
    /// photos fits in memory.
    public static func photoSide(forClipSize size: Int) -> Int { min(4 * size, 2048) }

    /// How clips of this kind are encoded by default: reproducibly, at CRF 14 (near-lossless, so
    /// procedural clips keep 35 dB) for the original kinds, and at CRF 23, x264's ordinary
    /// quality, for camera clips, whose compression artefacts should look like real footage's.
    public var defaultWriteOptions: WriteOptions {
        var options = WriteOptions.reproducible
        if kind == .camera { options.crf = 23 }
        return options
    }

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
        var scene: any SyntheticScene
        switch kind {
        case .bouncing:
            scene = BouncingShapesScene(seed: seed, width: width, height: height, events: events, photo: photo)
        case .pan, .zoom:
            scene = CameraMotionScene(seed: seed, width: width, height: height, zooms: kind == .zoom, events: events,
                                      photo: photo, frameCount: frameCount)
        case .camera:
            scene = cameraScene()
        }
        var frame = RGBFrame(width: width, height: height)
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

    /// The scene a camera clip renders (its plan decides the layers, objects and camera path).
    func cameraScene(style: CameraFootageScene.Style = .init()) -> CameraFootageScene {
        CameraFootageScene(seed: seed, width: width, height: height, frameCount: frameCount, events: events,
                           background: photo, pool: photoPool, style: style)
    }

    /// Writes `<name>.mp4` and the sidecar `<name>.json` into `directory`; returns the video's URL.
    /// Encoded reproducibly by default (`defaultWriteOptions`), so the same seed gives the same file.
    @discardableResult
    public func write(to directory: URL, options: WriteOptions? = nil) throws -> URL {
        let video = directory.appendingPathComponent(name + ".mp4")
        let writer = try VideoWriter(url: video, width: width, height: height, fps: fps,
                                     options: options ?? defaultWriteOptions)
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
        var manifest = SyntheticClipManifest(name: name, seed: seed, setSeed: setSeed, index: setIndex, kind: kind,
                                             frames: frameCount, fps: fps, width: width, height: height,
                                             surpriseFrames: surpriseFrames, events: events, photo: photo?.url.path)
        if kind == .camera {
            let plan = cameraScene().plan
            manifest.camera = plan.summary
            if !photoPool.isEmpty { manifest.photos = plan.photoPaths }
        }
        return manifest
    }

    private static func planEvents(kind: Kind, frameCount: Int, random: inout SplitMix64) -> [Event] {
        let early = max(1, frameCount / 4), late = max(early, frameCount * 3 / 4 - 1)
        switch kind {
        case .pan:
            return [Event(frame: random.integer(early...late), cause: .swerve, object: nil)]
        case .zoom:
            return [Event(frame: random.integer(early...late), cause: .reverse, object: nil)]
        case .camera:
            return [Event(frame: random.integer(early...late), cause: .cut, object: nil)]
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

/// The sidecar JSON next to each synthetic clip. A square clip gives its side as `size` (as
/// before non-square clips existed); any other gives `width` and `height` instead.
public struct SyntheticClipManifest: Codable, Equatable, Sendable {
    public var name: String
    public var seed: UInt64
    public var setSeed: UInt64?
    public var index: Int?
    public var kind: SyntheticClip.Kind
    public var frames: Int
    public var fps: Double
    public var width: Int
    public var height: Int
    public var surpriseFrames: [Int]
    public var events: [SyntheticClip.Event]
    /// Path of the photograph filmed (a camera clip's first background); absent for procedural clips.
    public var photo: String?
    /// Camera clips: every photograph drawn on, in order of first use.
    public var photos: [String]?
    /// Camera clips: how each shot was filmed.
    public var camera: CameraClipSummary?

    /// The side of a square clip; nil otherwise.
    public var size: Int? { width == height ? width : nil }

    public init(name: String, seed: UInt64, setSeed: UInt64?, index: Int?, kind: SyntheticClip.Kind, frames: Int,
                fps: Double, width: Int, height: Int, surpriseFrames: [Int], events: [SyntheticClip.Event],
                photo: String?, photos: [String]? = nil, camera: CameraClipSummary? = nil) {
        self.name = name
        self.seed = seed
        self.setSeed = setSeed
        self.index = index
        self.kind = kind
        self.frames = frames
        self.fps = fps
        self.width = width
        self.height = height
        self.surpriseFrames = surpriseFrames
        self.events = events
        self.photo = photo
        self.photos = photos
        self.camera = camera
    }

    enum CodingKeys: String, CodingKey {
        case name, seed, index, kind, frames, fps, size, width, height, events, photo, photos, camera
        case setSeed = "set_seed"
        case surpriseFrames = "surprise_frames"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        seed = try c.decode(UInt64.self, forKey: .seed)
        setSeed = try c.decodeIfPresent(UInt64.self, forKey: .setSeed)
        index = try c.decodeIfPresent(Int.self, forKey: .index)
        kind = try c.decode(SyntheticClip.Kind.self, forKey: .kind)
        frames = try c.decode(Int.self, forKey: .frames)
        fps = try c.decode(Double.self, forKey: .fps)
        if let size = try c.decodeIfPresent(Int.self, forKey: .size) {
            width = size
            height = size
        } else {
            width = try c.decode(Int.self, forKey: .width)
            height = try c.decode(Int.self, forKey: .height)
        }
        surpriseFrames = try c.decode([Int].self, forKey: .surpriseFrames)
        events = try c.decode([SyntheticClip.Event].self, forKey: .events)
        photo = try c.decodeIfPresent(String.self, forKey: .photo)
        photos = try c.decodeIfPresent([String].self, forKey: .photos)
        camera = try c.decodeIfPresent(CameraClipSummary.self, forKey: .camera)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(setSeed, forKey: .setSeed)
        try c.encodeIfPresent(index, forKey: .index)
        try c.encode(kind, forKey: .kind)
        try c.encode(frames, forKey: .frames)
        try c.encode(fps, forKey: .fps)
        if let size {
            try c.encode(size, forKey: .size)
        } else {
            try c.encode(width, forKey: .width)
            try c.encode(height, forKey: .height)
        }
        try c.encode(surpriseFrames, forKey: .surpriseFrames)
        try c.encode(events, forKey: .events)
        try c.encodeIfPresent(photo, forKey: .photo)
        try c.encodeIfPresent(photos, forKey: .photos)
        try c.encodeIfPresent(camera, forKey: .camera)
    }
}
