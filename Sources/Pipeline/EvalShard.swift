import EBT
import FileSystem
import Foundation
import PatchCodec

/// What `eval --shard i/n` leaves beside its records in DIR/shard.json: which slice of which clip
/// list it evaluated, and what the batch's outputs need that records do not hold (the model, its
/// frame grid, thinking steps, error scale). `eval merge` reads these to put the shards back
/// together in the unsharded run's clip order; a folder without one is no shard.
public struct EvalShard: Codable, Equatable {
    public struct Clip: Codable, Equatable {
        /// The clip's position in the whole (unsharded) sorted clip list.
        public var index: Int
        public var clip: String
        /// The record's file name in DIR/clips/.
        public var record: String
    }

    public var index: Int
    public var count: Int
    /// Clips in the whole list, over every shard.
    public var clipCount: Int
    public var clips: [Clip]
    public var modelPath: String
    public var modelFingerprint: String
    public var frameWidth: Int
    public var frameHeight: Int
    public var patchSize: Int
    public var thinkSteps: Int
    public var errorScale: String?
    public var seconds: Double

    public static let fileName = "shard.json"

    /// The description of shard `index`/`count` whose clips `survey` found (every one of them,
    /// whichever of the run's workers evaluated it).
    public init(index: Int, count: Int, survey: EvalSurvey, modelPath: String, model: ModelFile, thinkSteps: Int, seconds: Double) {
        self.index = index
        self.count = count
        clipCount = survey.totalClipCount
        clips = survey.entries.map { Clip(index: $0.index, clip: $0.clip.relativePath, record: $0.record.lastPathComponent) }
        self.modelPath = modelPath
        modelFingerprint = model.fingerprint
        let grid = model.codec.grid
        (frameWidth, frameHeight, patchSize) = (grid.frameWidth, grid.frameHeight, grid.patchSize)
        self.thinkSteps = thinkSteps
        errorScale = model.errorScale.origin
        self.seconds = seconds
    }

    /// The frame grid the shard's model works on (the report's thumbnails are read at it).
    public func grid() throws -> PatchGrid { try PatchGrid(frameWidth: frameWidth, frameHeight: frameHeight, patchSize: patchSize) }

    enum CodingKeys: String, CodingKey {
        case index, count, clips, seconds
        case clipCount = "clip_count"
        case modelPath = "model_path"
        case modelFingerprint = "model_fingerprint"
        case frameWidth = "frame_width"
        case frameHeight = "frame_height"
        case patchSize = "patch_size"
        case thinkSteps = "think_steps"
        case errorScale = "error_scale"
    }

    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: folder.appendingPathComponent(Self.fileName))
    }

    /// The shard whose records are in `folder`, or an error naming the folder and what is wrong.
    public static func read(from folder: URL) throws -> EvalShard {
        let path = folder.relativePath
        guard let kind = try FileKind.at(path) else { throw EvalMergeError("\(path): no such directory") }
        guard kind == .directory else { throw EvalMergeError("\(path): not a directory") }
        let file = folder.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: file) else {
            throw EvalMergeError("\(path): not an evaluation shard (no \(fileName); `ebtvid eval ... --shard i/n --out \(path)` writes one when it finishes)")
        }
        do { return try JSONDecoder().decode(EvalShard.self, from: data) } catch {
            throw EvalMergeError("\(file.relativePath): not a shard description (\(error.localizedDescription))")
        }
    }
}

/// Why shards cannot be merged: one line naming the folder or file at fault.
public struct EvalMergeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
