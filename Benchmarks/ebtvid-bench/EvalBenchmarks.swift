import Foundation

/// Eval's memory against clip length (issue 19, item 14: eval held every frame of a clip).
///
/// `eval_rss_ratio_long_vs_short`: peak RSS of `ebtvid eval` with the shipped model on a 720p
/// clip of 960 frames over the same on its first 120 (the decode group's testsrc2 clips, made
/// once with the ffmpeg CLI, or squares moving over a gradient written by our own encoder when
/// there is no ffmpeg), each measured in its own child process into a fresh output folder, so no
/// record is reused (target ≤ 1.2: eval streams the clip, its memory must not grow with it); the
/// largest of three runs each, as the decode group does. The child is pinned to one core
/// (`taskset`, when there is one): on two cores the peak is one batch's thinking, whose two bands'
/// memory may or may not be held at the same moment, which moves a run's peak more than the
/// clip's length does and would hide what grows with it.
/// `ebtvid-bench eval` runs this group alone.
func runEvalBenchmarks() throws {
    let ebtvid = try siblingExecutable("ebtvid")
    let cache = try benchCache()
    let (shortFrames, longFrames) = (120, 960)
    func clip(_ frames: Int) throws -> URL {
        if let ffmpeg = try? findOnPath("ffmpeg") {
            return try benchClip(cache.appendingPathComponent("testsrc2-720p-\(frames).mp4"), frames: frames, ffmpeg: ffmpeg)
        }
        return try writtenClip(cache.appendingPathComponent("moving-720p-\(frames).mp4"), frames: frames)
    }
    let short = try clip(shortFrames), long = try clip(longFrames)
    func peakKilobytes(_ clip: URL) throws -> Int {
        let out = cache.appendingPathComponent("eval-\(ProcessInfo.processInfo.processIdentifier)-\(clip.deletingPathExtension().lastPathComponent)")
        try? FileManager.default.removeItem(at: out)
        defer { try? FileManager.default.removeItem(at: out) }
        let pinned = (try? findOnPath("taskset")).map { [$0.path, "-c", "0"] } ?? []
        return try measure(pinned + [ebtvid.path, "eval", clip.path, "--out", out.path], quiet: true).peakKilobytes
    }
    let shortRSS = try (0..<3).map { _ in try peakKilobytes(short) }.max()!
    let longRSS = try (0..<3).map { _ in try peakKilobytes(long) }.max()!
    report("eval_rss_ratio_long_vs_short", Double(longRSS) / Double(shortRSS))
    report("eval_rss_kb_short_\(shortFrames)_frames", Double(shortRSS), decimals: 0)
    report("eval_rss_kb_long_\(longFrames)_frames", Double(longRSS), decimals: 0)
}
