import FileSystem
import Foundation
import VideoIO

// Surprise clips made from real footage, for evaluation only: a cut from one clip to another, a
// clip that suddenly plays backwards and then forwards again, a clip that jumps ahead, and the
// glitched frames of OpenCV's Megamind_bugy.avi found against the clean Megamind.avi. Each video
// gets a sidecar NAME.json whose `surprise_frames` the evaluator reads (`EvalJob.surpriseFrames`).

/// Where frames come from, one at a time in order (a `VideoReader`, or frames in memory in tests).
public protocol FrameSource: AnyObject {
    func nextFrame() throws -> RGBFrame?
}

/// Where frames go, in order (a `VideoWriter`, or an array in tests).
public protocol FrameSink: AnyObject {
    func append(_ frame: RGBFrame) throws
}

extension VideoReader: FrameSource {}
extension VideoWriter: FrameSink {}

public enum SurpriseClipError: Error, CustomStringConvertible, Equatable {
    /// A source clip has fewer frames than a construction needs.
    case tooShort(path: String, frames: Int, needed: Int, construction: String)
    /// A source frame is smaller than the clip being built.
    case frameTooSmall(path: String, width: Int, height: Int, needWidth: Int, needHeight: Int)
    /// The clean and the glitched clip do not line up frame by frame.
    case misaligned(clean: String, glitched: String, reason: String)
    /// A folder given as input does not exist or is not a folder.
    case notAFolder(path: String)

    public var description: String {
        switch self {
        case .tooShort(let path, let frames, let needed, let construction):
            return "\(path): only \(frames) frame(s); the \(construction) needs at least \(needed)"
        case .frameTooSmall(let path, let width, let height, let needWidth, let needHeight):
            return "\(path): frame is \(width)x\(height), the clip being built is \(needWidth)x\(needHeight)"
        case .misaligned(let clean, let glitched, let reason):
            return "\(glitched): does not line up frame by frame with \(clean) (\(reason))"
        case .notAFolder(let path):
            return "\(path): no such folder"
        }
    }
}

/// A clip built from source clips: which source frame goes at each output index, and which output
/// frames are the surprises. Building a plan touches no file; `SurpriseClips.render` plays it.
public struct SurpriseClipPlan: Equatable, Sendable {
    public enum Cause: String, Codable, Sendable {
        case cut, reversal, jump, glitch
    }

    /// Output frame = frame `frame` (counted from 0 in decoding order) of source `source`.
    public struct Slot: Hashable, Sendable {
        public var source: Int
        public var frame: Int
        public init(source: Int, frame: Int) { self.source = source; self.frame = frame }
    }

    /// A run of consecutive output frames taken from one source one frame apart, forwards or
    /// backwards: source frames `first` through `last` (first > last plays backwards), starting at
    /// output frame `start`.
    public struct Segment: Codable, Equatable, Sendable {
        public var source: String
        public var first: Int
        public var last: Int
        public var start: Int
    }

    public var name: String
    public var cause: Cause
    /// File names of the sources, indexed by `Slot.source`; the first sets the size and rate.
    public var sources: [String]
    public var slots: [Slot]
    public var surpriseFrames: [Int]

    public init(name: String, cause: Cause, sources: [String], slots: [Slot], surpriseFrames: [Int]) {
        self.name = name
        self.cause = cause
        self.sources = sources
        self.slots = slots
        self.surpriseFrames = surpriseFrames
    }

    /// The first `firstLength` frames of `first`, then the first `secondLength` frames of `second`
    /// (resized to the first's size when rendered). The surprise is the first frame of the second part.
    public static func cut(name: String, first: String, firstFrames: Int, second: String, secondFrames: Int,
                           firstLength: Int = 100, secondLength: Int = 100) throws -> SurpriseClipPlan {
        precondition(firstLength >= 1 && secondLength >= 1)
        guard firstFrames >= 2 else { throw SurpriseClipError.tooShort(path: first, frames: firstFrames, needed: 2, construction: "cut") }
        guard secondFrames >= 2 else { throw SurpriseClipError.tooShort(path: second, frames: secondFrames, needed: 2, construction: "cut") }
        let a = min(firstLength, firstFrames), b = min(secondLength, secondFrames)
        let slots = (0..<a).map { Slot(source: 0, frame: $0) } + (0..<b).map { Slot(source: 1, frame: $0) }
        return SurpriseClipPlan(name: name, cause: .cut, sources: [first, second], slots: slots, surpriseFrames: [a])
    }

    /// Frames 0 ..< forward, then `backward` frames played backwards from the one before the last
    /// shown (forward-2 down to forward-1-backward, so no frame freezes), then forwards again from
    /// the frame after the last backward one, up to `maxLength` frames in all or the end of the
    /// source. Surprises: the first backward frame and the first frame after playing resumes forwards.
    public static func reversal(name: String, source: String, frames: Int,
                                forward: Int = 100, backward: Int = 60, maxLength: Int = 260) throws -> SurpriseClipPlan {
        precondition(backward >= 1 && forward >= backward + 1 && maxLength > forward + backward)
        // The resumed forward part starts at forward - backward and needs at least two frames past the turn.
        let needed = forward + 1
        guard frames >= needed else { throw SurpriseClipError.tooShort(path: source, frames: frames, needed: needed, construction: "reversal") }
        var slots = (0..<forward).map { Slot(source: 0, frame: $0) }
        slots += stride(from: forward - 2, through: forward - 1 - backward, by: -1).map { Slot(source: 0, frame: $0) }
        let resume = forward - backward
        let rest = min(maxLength - slots.count, frames - resume)
        slots += (resume..<(resume + rest)).map { Slot(source: 0, frame: $0) }
        return SurpriseClipPlan(name: name, cause: .reversal, sources: [source], slots: slots,
                                surpriseFrames: [forward, forward + backward])
    }

    /// Frames 0 ..< before, then skips `skip` frames and continues from before + skip, up to
    /// `maxLength` frames in all or the end of the source. The surprise is the first frame after the jump.
    public static func jump(name: String, source: String, frames: Int,
                            before: Int = 100, skip: Int = 20, maxLength: Int = 260) throws -> SurpriseClipPlan {
        precondition(before >= 1 && skip >= 1 && maxLength > before)
        let needed = before + skip + 2
        guard frames >= needed else { throw SurpriseClipError.tooShort(path: source, frames: frames, needed: needed, construction: "jump") }
        let resume = before + skip
        let rest = min(maxLength - before, frames - resume)
        let slots = (0..<before).map { Slot(source: 0, frame: $0) } + (resume..<(resume + rest)).map { Slot(source: 0, frame: $0) }
        return SurpriseClipPlan(name: name, cause: .jump, sources: [source], slots: slots, surpriseFrames: [before])
    }

    /// The slots as runs of one source one frame apart, for the sidecar.
    public var segments: [Segment] {
        var segments: [Segment] = []
        var step = 0
        for (index, slot) in slots.enumerated() {
            if var last = segments.last, sources[slot.source] == last.source, index > 0, slots[index - 1].source == slot.source {
                let delta = slot.frame - last.last
                if (delta == 1 || delta == -1) && (step == 0 || step == delta) {
                    step = delta
                    last.last = slot.frame
                    segments[segments.count - 1] = last
                    continue
                }
            }
            segments.append(Segment(source: sources[slot.source], first: slot.frame, last: slot.frame, start: index))
            step = 0
        }
        return segments
    }

    /// A readable account of the segments, e.g. "vtest.avi 0-99, cityCC0.mpg 0-99".
    public var summary: String {
        let parts = segments.map { $0.first == $0.last ? "\($0.source) \($0.first)" : "\($0.source) \($0.first)-\($0.last)" }
        let what: String
        switch cause {
        case .cut: what = "a cut between two clips"
        case .reversal: what = "playing reverses, then resumes forwards"
        case .jump: what = "playing jumps ahead"
        case .glitch: what = "glitched frames"
        }
        return "\(what): source frames \(parts.joined(separator: ", "))"
    }
}

extension SurpriseClipPlan.Slot: CustomStringConvertible {
    /// "source:frame", so a failed comparison of plans stays readable.
    public var description: String { "\(source):\(frame)" }
}

/// The sidecar JSON beside each surprise clip. `surprise_frames` is what `ebtvid eval` reads.
public struct SurpriseClipManifest: Codable, Equatable, Sendable {
    public var name: String
    public var cause: SurpriseClipPlan.Cause
    /// File names of the clips the frames come from.
    public var sources: [String]
    public var frames: Int
    public var fps: Double
    public var width: Int
    public var height: Int
    public var surpriseFrames: [Int]
    public var summary: String
    /// Constructed clips: where each run of frames comes from.
    public var segments: [SurpriseClipPlan.Segment]?
    /// Glitches: the clean clip compared against, how glitches were told apart, the threshold on
    /// the excess difference and each frame's mean absolute difference from its clean frame.
    public var reference: String?
    public var method: String?
    public var threshold: Double?
    public var frameDifferences: [Double]?

    enum CodingKeys: String, CodingKey {
        case name, cause, sources, frames, fps, width, height, summary, segments, reference, method, threshold
        case surpriseFrames = "surprise_frames"
        case frameDifferences = "frame_differences"
    }

    /// Writes the manifest atomically as pretty-printed JSON with sorted keys.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }
}

public enum SurpriseClips {
    /// The size a clip built from a `width` x `height` source is written at: H.264 in yuv420p
    /// needs even sides, so an odd side loses its last row or column.
    public static func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        (width - width % 2, height - height % 2)
    }

    /// The top-left `width` x `height` of `frame` (the frame itself when it is that size already).
    public static func crop(_ frame: RGBFrame, width: Int, height: Int, path: String) throws -> RGBFrame {
        if frame.width == width && frame.height == height { return frame }
        guard frame.width >= width, frame.height >= height else {
            throw SurpriseClipError.frameTooSmall(path: path, width: frame.width, height: frame.height, needWidth: width, needHeight: height)
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        frame.pixels.withUnsafeBufferPointer { from in
            pixels.withUnsafeMutableBufferPointer { to in
                for y in 0..<height {
                    let source = y * frame.width * 3, target = y * width * 3
                    for i in 0..<(width * 3) { to[target + i] = from[source + i] }
                }
            }
        }
        return RGBFrame(width: width, height: height, pixels: pixels, sourceIndex: frame.sourceIndex, time: frame.time)
    }

    /// Plays `plan` from `sources` (indexed like `plan.sources`, each read once from its first
    /// frame) into `sink` at `width` x `height`, cropping larger frames. Only frames the plan shows
    /// again later are kept in memory, and each only until its last showing. Returns the frame count.
    @discardableResult
    public static func render(_ plan: SurpriseClipPlan, from sources: [FrameSource], width: Int, height: Int,
                              into sink: FrameSink) throws -> Int {
        precondition(sources.count == plan.sources.count, "render: one source per name in the plan")
        var lastUse: [SurpriseClipPlan.Slot: Int] = [:]
        for (index, slot) in plan.slots.enumerated() { lastUse[slot] = index }
        var kept: [SurpriseClipPlan.Slot: RGBFrame] = [:]
        var decoded = [Int](repeating: 0, count: sources.count)
        for (index, slot) in plan.slots.enumerated() {
            if kept[slot] == nil {
                guard slot.frame >= decoded[slot.source] else {
                    preconditionFailure("render: frame \(slot.frame) of \(plan.sources[slot.source]) was dropped before its last use")
                }
                while decoded[slot.source] <= slot.frame {
                    guard let frame = try sources[slot.source].nextFrame() else {
                        let path = plan.sources[slot.source]
                        throw SurpriseClipError.tooShort(path: path, frames: decoded[slot.source], needed: slot.frame + 1,
                                                         construction: plan.cause.rawValue)
                    }
                    let key = SurpriseClipPlan.Slot(source: slot.source, frame: decoded[slot.source])
                    decoded[slot.source] += 1
                    if lastUse[key] != nil {
                        kept[key] = try crop(frame, width: width, height: height, path: plan.sources[slot.source])
                    }
                }
            }
            try sink.append(kept[slot]!)
            if lastUse[slot] == index { kept[slot] = nil }
        }
        return plan.slots.count
    }

    /// How many frames a clip decodes to (read small, so quickly).
    public static func countFrames(of clip: URL) throws -> Int {
        let reader = try VideoReader(url: clip, options: ReadOptions(width: 16, height: 16))
        var frame = RGBFrame(width: 16, height: 16)
        var count = 0
        while try reader.nextFrame(into: &frame) { count += 1 }
        return count
    }
}

/// Finds the glitched frames of a clip by comparing it frame by frame (by index, not time) with a
/// clean copy of the same footage.
public enum GlitchDetection {
    /// Mean absolute difference of two equally long byte arrays, in grey levels (0...255).
    public static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count && !a.isEmpty)
        var total = 0
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                // Sum in chunks of Int32 so the inner loop stays narrow and vectorises.
                var i = 0
                while i < x.count {
                    let end = min(i + 1 << 20, x.count)
                    var chunk: Int32 = 0
                    for j in i..<end { chunk &+= Int32(abs(Int16(x[j]) - Int16(y[j]))) }
                    total += Int(chunk)
                    i = end
                }
            }
        }
        return Double(total) / Double(a.count)
    }

    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty)
        let sorted = values.sorted(), n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// The outliers of per-frame differences. Re-encoding noise drifts with the content, so each
    /// difference is first taken relative to the running median over ±`radius` frames (robust to a
    /// few glitches in the window); a frame is a glitch when that excess is more than `k` robust
    /// standard deviations (1.4826 × MAD) above the excesses' median, and at least `minimumExcess`.
    public static func outliers(_ differences: [Double], radius: Int = 4, k: Double = 8, minimumExcess: Double = 0.1)
        -> (frames: [Int], excess: [Double], threshold: Double) {
        guard !differences.isEmpty else { return ([], [], 0) }
        let n = differences.count
        let excess = (0..<n).map { i in
            differences[i] - median(Array(differences[max(0, i - radius)...min(n - 1, i + radius)]))
        }
        let centre = median(excess)
        let sigma = 1.4826 * median(excess.map { abs($0 - centre) })
        let threshold = centre + max(k * sigma, minimumExcess)
        return ((0..<n).filter { excess[$0] > threshold }, excess, threshold)
    }

    public struct Report: Sendable {
        public var frameCount: Int
        public var width: Int
        public var height: Int
        /// Per frame: mean absolute difference between the glitched and the clean frame of the same index.
        public var differences: [Double]
        /// The same with the glitched clip one frame behind and one frame ahead: index alignment
        /// must beat both.
        public var medianSameIndex: Double
        public var medianOneBehind: Double
        public var medianOneAhead: Double
        /// Share of frames whose difference is under `nearIdentical` grey levels.
        public var nearIdenticalShare: Double
        public var excess: [Double]
        public var threshold: Double
        public var glitchFrames: [Int]
    }

    /// Compares every frame of `glitched` with the frame of the same index in `clean` (both must
    /// have the same size and frame count), checks that the clips line up — most frames differ by
    /// less than `nearIdentical` grey levels on average, and the same index matches better than
    /// one frame off — and returns the frames whose difference is an outlier.
    public static func compare(clean: FrameSource, glitched: FrameSource, cleanName: String, glitchedName: String,
                               nearIdentical: Double = 4, radius: Int = 4, k: Double = 8) throws -> Report {
        var differences: [Double] = [], behind: [Double] = [], ahead: [Double] = []
        var previousClean: RGBFrame?, previousGlitched: RGBFrame?
        var size: (Int, Int) = (0, 0)
        while true {
            let a = try clean.nextFrame(), b = try glitched.nextFrame()
            guard let a, let b else {
                if a != nil || b != nil {
                    let (longer, shorter) = a != nil ? (cleanName, glitchedName) : (glitchedName, cleanName)
                    throw SurpriseClipError.misaligned(clean: cleanName, glitched: glitchedName,
                                                       reason: "\(shorter) ends after \(differences.count) frames, \(longer) goes on")
                }
                break
            }
            guard a.width == b.width, a.height == b.height else {
                throw SurpriseClipError.misaligned(clean: cleanName, glitched: glitchedName,
                                                   reason: "frames are \(b.width)x\(b.height) and \(a.width)x\(a.height)")
            }
            size = (a.width, a.height)
            differences.append(meanAbsoluteDifference(a.pixels, b.pixels))
            if let previousClean, let previousGlitched {
                behind.append(meanAbsoluteDifference(previousClean.pixels, b.pixels))
                ahead.append(meanAbsoluteDifference(a.pixels, previousGlitched.pixels))
            }
            previousClean = a
            previousGlitched = b
        }
        guard differences.count >= 3 else {
            throw SurpriseClipError.misaligned(clean: cleanName, glitched: glitchedName,
                                               reason: "only \(differences.count) frame(s); need at least 3 to compare")
        }
        let same = median(differences), oneBehind = median(behind), oneAhead = median(ahead)
        let share = Double(differences.filter { $0 < nearIdentical }.count) / Double(differences.count)
        guard share >= 0.5 else {
            throw SurpriseClipError.misaligned(clean: cleanName, glitched: glitchedName,
                                               reason: String(format: "only %.0f%% of frames differ by less than %.1f grey levels", 100 * share, nearIdentical))
        }
        guard same < oneBehind, same < oneAhead else {
            throw SurpriseClipError.misaligned(clean: cleanName, glitched: glitchedName,
                                               reason: String(format: "median difference %.2f at the same index, %.2f one frame behind, %.2f one ahead",
                                                              same, oneBehind, oneAhead))
        }
        let found = outliers(differences, radius: radius, k: k)
        return Report(frameCount: differences.count, width: size.0, height: size.1, differences: differences,
                      medianSameIndex: same, medianOneBehind: oneBehind, medianOneAhead: oneAhead,
                      nearIdenticalShare: share, excess: found.excess, threshold: found.threshold, glitchFrames: found.frames)
    }
}

/// The recipe `ebtvid surprises` follows on Debian's sample videos (`make real-footage`).
public enum SurpriseClipsJob {
    public static let vtest = "vtest.avi"
    public static let city = "cityCC0.mpg"
    public static let megamind = "Megamind.avi"
    public static let glitchedMegamind = "Megamind_bugy.avi"

    /// What one run wrote.
    public struct Output: Sendable {
        public var video: URL
        public var sidecar: URL
        public var manifest: SurpriseClipManifest
    }

    /// Builds the cut, reversal and jump clips from `sourceDirectory`'s vtest.avi, cityCC0.mpg
    /// and Megamind.avi into `outputDirectory` (created if missing), and, when `glitched` is
    /// given, finds its glitched frames against Megamind.avi and writes its sidecar beside it.
    /// Every input is checked before anything is written.
    public static func run(sourceDirectory: URL, outputDirectory: URL, glitched: URL?,
                           log: (String) -> Void, warn: (String) -> Void) throws -> [Output] {
        guard try FileKind.at(sourceDirectory.relativePath) == .directory else {
            throw SurpriseClipError.notAFolder(path: sourceDirectory.relativePath)
        }
        let clip = { (name: String) in sourceDirectory.appendingPathComponent(name) }
        // Opening each reader checks the file exists, is a video and decodes.
        var metadata: [String: VideoMetadata] = [:]
        for name in [vtest, city, megamind] { metadata[name] = try VideoReader(url: clip(name)).metadata }
        if let glitched { _ = try VideoReader(url: glitched) }
        var counts: [String: Int] = [:]
        for name in [vtest, city, megamind] { counts[name] = try SurpriseClips.countFrames(of: clip(name)) }

        let plans = [
            try SurpriseClipPlan.cut(name: "cut-vtest-cityCC0", first: vtest, firstFrames: counts[vtest]!, second: city, secondFrames: counts[city]!),
            try SurpriseClipPlan.cut(name: "cut-Megamind-vtest", first: megamind, firstFrames: counts[megamind]!, second: vtest, secondFrames: counts[vtest]!),
            try SurpriseClipPlan.reversal(name: "reversal-vtest", source: vtest, frames: counts[vtest]!),
            try SurpriseClipPlan.reversal(name: "reversal-cityCC0", source: city, frames: counts[city]!),
            try SurpriseClipPlan.jump(name: "jump-vtest", source: vtest, frames: counts[vtest]!),
            try SurpriseClipPlan.jump(name: "jump-cityCC0", source: city, frames: counts[city]!),
        ]
        try Folder.create(outputDirectory)

        var outputs: [Output] = []
        for plan in plans {
            let first = metadata[plan.sources[0]]!
            let (width, height) = SurpriseClips.outputSize(width: first.width, height: first.height)
            // The first source is read at its own size (cropped to even sides); the others are
            // resized to the first's output size.
            var readers: [VideoReader] = []
            for (index, name) in plan.sources.enumerated() {
                let own = metadata[name]!
                let resize = index > 0 && (own.width != width || own.height != height)
                readers.append(try VideoReader(url: clip(name), options: resize ? ReadOptions(width: width, height: height) : ReadOptions()))
            }
            let video = outputDirectory.appendingPathComponent(plan.name + ".mp4")
            let writer = try VideoWriter(url: video, width: width, height: height, fps: first.fps, options: .reproducible)
            let frames = try SurpriseClips.render(plan, from: readers, width: width, height: height, into: writer)
            try writer.finish()
            for reader in readers { reader.warnings.forEach(warn) }
            let manifest = SurpriseClipManifest(name: plan.name, cause: plan.cause, sources: plan.sources, frames: frames,
                                                fps: first.fps, width: width, height: height,
                                                surpriseFrames: plan.surpriseFrames, summary: plan.summary, segments: plan.segments)
            let sidecar = outputDirectory.appendingPathComponent(plan.name + ".json")
            try manifest.write(to: sidecar)
            log("\(video.relativePath)  \(plan.cause.rawValue)  \(frames) frames \(width)x\(height)  surprises: "
                + plan.surpriseFrames.map(String.init).joined(separator: ","))
            outputs.append(Output(video: video, sidecar: sidecar, manifest: manifest))
        }

        if let glitched {
            outputs.append(try findGlitches(clean: clip(megamind), glitched: glitched, log: log, warn: warn))
        }
        return outputs
    }

    /// Compares `glitched` with `clean` frame by frame and writes the sidecar beside `glitched`.
    public static func findGlitches(clean: URL, glitched: URL, log: (String) -> Void, warn: (String) -> Void) throws -> Output {
        let cleanReader = try VideoReader(url: clean), glitchedReader = try VideoReader(url: glitched)
        let report = try GlitchDetection.compare(clean: cleanReader, glitched: glitchedReader,
                                                 cleanName: clean.relativePath, glitchedName: glitched.relativePath)
        for reader in [cleanReader, glitchedReader] { reader.warnings.forEach(warn) }
        log(String(format: "%@ against %@: %d frames by index; median difference %.2f grey levels at the same index "
                   + "(%.2f one frame behind, %.2f ahead); %.0f%% of frames near-identical",
                   glitched.relativePath, clean.relativePath, report.frameCount, report.medianSameIndex,
                   report.medianOneBehind, report.medianOneAhead, 100 * report.nearIdenticalShare))
        log(String(format: "glitch threshold: excess over the running median > %.3f; %d glitched frames:",
                   report.threshold, report.glitchFrames.count))
        for frame in report.glitchFrames {
            log(String(format: "  frame %3d  difference %6.2f  excess %6.2f", frame, report.differences[frame], report.excess[frame]))
        }
        let unmarked = report.excess.indices.filter { !report.glitchFrames.contains($0) }
        if let largest = unmarked.max(by: { report.excess[$0] < report.excess[$1] }) {
            log(String(format: "  largest unmarked: frame %d, excess %.3f", largest, report.excess[largest]))
        }
        let base = glitched.deletingPathExtension().lastPathComponent
        let rounded = report.differences.map { ($0 * 1000).rounded() / 1000 }
        let manifest = SurpriseClipManifest(
            name: base, cause: .glitch, sources: [glitched.lastPathComponent], frames: report.frameCount,
            fps: glitchedReader.metadata.fps, width: report.width, height: report.height,
            surpriseFrames: report.glitchFrames,
            summary: "glitched frames of \(glitched.lastPathComponent), found against \(clean.lastPathComponent) frame by frame (by index: the rates differ)",
            segments: nil, reference: clean.lastPathComponent,
            method: "per-frame mean absolute RGB difference from the clean frame of the same index, minus its running median over ±4 frames; "
                + "a glitch where that exceeds the median excess by more than 8 robust standard deviations (1.4826 MAD), and at least 0.1",
            threshold: (report.threshold * 10000).rounded() / 10000, frameDifferences: rounded)
        let sidecar = glitched.deletingPathExtension().appendingPathExtension("json")
        try manifest.write(to: sidecar)
        log("\(sidecar.relativePath)  glitch  surprises: " + report.glitchFrames.map(String.init).joined(separator: ","))
        return Output(video: glitched, sidecar: sidecar, manifest: manifest)
    }
}
