/// A list of frame numbers in a line a person reads: how many, then the first few, so a clip
/// with hundreds of outliers prints one short line and the full list stays in the files.
public enum OutlierList {
    /// "none", "1 (frame 53)", "2 (frames 24, 55)", or "470 (frames 12, 13, 40, 53, 70 and 465 more)".
    public static func short(_ frames: [Int], first shown: Int = 5) -> String {
        if frames.isEmpty { return "none" }
        let listed = frames.prefix(shown).map(String.init).joined(separator: ", ")
        let more = frames.count > shown ? " and \(frames.count - shown) more" : ""
        return "\(frames.count) (\(frames.count == 1 ? "frame" : "frames") \(listed)\(more))"
    }
}
