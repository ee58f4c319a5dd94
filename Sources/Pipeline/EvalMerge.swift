import Foundation

/// `eval merge`: the records of every shard of one evaluation, in the unsharded run's clip order,
/// so the batch's outputs built from them are the ones one run over all clips writes.
public struct EvalMerge {
    /// Every clip's record, in the order of the whole sorted clip list.
    public var results: [ClipEvaluation] = []
    /// Shard 0's description: the model, grid, thinking steps and scale all shards share.
    public var first: EvalShard
    /// The shards' evaluation times added: the compute the whole batch took.
    public var seconds: Double

    /// Reads the shards in `folders`, refusing (with one line naming the folder) a folder that is
    /// no shard, shards of different evaluations, a shard given twice or missing, and a record
    /// that is missing or was not finished.
    public init(folders: [URL]) throws {
        let shards = try folders.map(EvalShard.read)
        first = shards[0]
        seconds = shards.reduce(0) { $0 + $1.seconds }
        var byIndex: [Int: URL] = [:]
        for (folder, shard) in zip(folders, shards) {
            let path = folder.relativePath
            guard shard.count == first.count, shard.clipCount == first.clipCount, shard.modelFingerprint == first.modelFingerprint,
                  shard.thinkSteps == first.thinkSteps, shard.patchSize == first.patchSize,
                  shard.frameWidth == first.frameWidth, shard.frameHeight == first.frameHeight else {
                throw EvalMergeError("\(path): shard \(shard.index)/\(shard.count) of another evaluation than \(folders[0].relativePath) "
                                     + "(its clip list, shard count, model or thinking steps differ)")
            }
            if let other = byIndex.updateValue(folder, forKey: shard.index) {
                throw EvalMergeError("\(path): shard \(shard.index)/\(shard.count) again (\(other.relativePath) is that shard too)")
            }
        }
        if let missing = (0..<first.count).first(where: { byIndex[$0] == nil }) {
            throw EvalMergeError("shard \(missing)/\(first.count) is missing: give the --out folder of every shard")
        }
        var slots = [ClipEvaluation?](repeating: nil, count: first.clipCount)
        for (folder, shard) in zip(folders, shards) {
            for clip in shard.clips {
                let record = folder.appendingPathComponent("clips").appendingPathComponent(clip.record)
                guard let data = try? Data(contentsOf: record) else {
                    throw EvalMergeError("\(record.relativePath): the record of \(clip.clip) is missing")
                }
                guard let result = try? JSONDecoder().decode(ClipEvaluation.self, from: data), result.format == ClipEvaluation.currentFormat else {
                    throw EvalMergeError("\(record.relativePath): not an evaluation record of this version of ebtvid")
                }
                guard slots.indices.contains(clip.index), slots[clip.index] == nil else {
                    throw EvalMergeError("\(folder.appendingPathComponent(EvalShard.fileName).relativePath): clip \(clip.clip) at position \(clip.index), "
                                         + "which another shard has or the list of \(first.clipCount) clips lacks")
                }
                slots[clip.index] = result
            }
        }
        if let hole = slots.firstIndex(where: { $0 == nil }) {
            throw EvalMergeError("the shards cover \(slots.compactMap { $0 }.count) of \(first.clipCount) clips (none has the clip at position \(hole))")
        }
        results = slots.map { $0! }
    }
}
