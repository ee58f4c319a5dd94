import Foundation

/// What an evaluation finds before it starts: its clips, and for each clip it evaluates the key
/// its record gets and the record of an earlier run that still holds, which it reuses.
public struct EvalSurvey {
    public struct Entry {
        /// The clip's position among all the request's clips, and among its shard's.
        public var index: Int
        public var position: Int
        public var clip: URL
        public var record: URL
        public var key: EvalRecordKey?
        public var reusable: ClipEvaluation?
    }

    /// The clips of the request's shard (every clip the request names when it has none); a
    /// worker evaluates some of them.
    public var clipCount: Int
    /// Every clip the request names, over all shards.
    public var totalClipCount: Int
    public var entries: [Entry] = []
    /// Records present that do not hold (other inputs, options, code, or a failure): evaluated again.
    public var outdated = 0

    /// Records reused as they are.
    public var reused: Int { entries.filter { $0.reusable != nil }.count }
    /// The records this evaluation will write.
    public var pendingRecords: [URL] { entries.filter { $0.reusable == nil }.map(\.record) }
}
