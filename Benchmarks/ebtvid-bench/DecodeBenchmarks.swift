import Foundation

/// Video decoding against the ffmpeg CLI (issue: video I/O).
///
/// `decode_fps_ratio_vs_ffmpeg`: a 720p H.264 clip of 1200 frames decoded to 64x64 rgb24 by
/// `ebtvid frames` and by `ffmpeg ... -vf scale=64:64 -f rawvideo -pix_fmt rgb24`, alternating so
/// machine load hits both alike; the ratio of median frame rates (ours / ffmpeg, target ≥ 0.9).
/// `ebtvid` runs with `--stretch` so both do the same work (scale the whole frame).
/// `decode_rss_ratio_long_vs_short`: peak RSS of `ebtvid frames` on that clip over its first tenth
/// (target ≤ 1.2: streaming memory must not grow with clip length).
func runDecodeBenchmarks() throws {
    let ebtvid = try siblingExecutable("ebtvid")
    let ffmpeg = try findOnPath("ffmpeg")
    let cache = try benchCache()
    let frames = 1200
    let long = try benchClip(cache.appendingPathComponent("testsrc2-720p-\(frames).mp4"), frames: frames, ffmpeg: ffmpeg)
    let short = try benchClip(cache.appendingPathComponent("testsrc2-720p-\(frames / 10).mp4"), frames: frames / 10, ffmpeg: ffmpeg)

    let ours = [ebtvid.path, "frames", long.path, "--size", "64x64", "--stretch", "--out", "-"]
    let theirs = [ffmpeg.path, "-v", "error", "-i", long.path, "-vf", "scale=64:64", "-f", "rawvideo",
                  "-pix_fmt", "rgb24", "-y", "/dev/null"]
    _ = try measure(ours)  // warm the page cache for both
    var ourSeconds: [Double] = [], theirSeconds: [Double] = []
    for _ in 0..<5 {
        ourSeconds.append(try measure(ours).seconds)
        theirSeconds.append(try measure(theirs).seconds)
    }
    let ourFPS = Double(frames) / median(ourSeconds), theirFPS = Double(frames) / median(theirSeconds)
    report("decode_fps_ratio_vs_ffmpeg", ourFPS / theirFPS)
    report("decode_fps_ebtvid_720p_to_64", ourFPS, decimals: 1)
    report("decode_fps_ffmpeg_720p_to_64", theirFPS, decimals: 1)

    let shortArguments = [ebtvid.path, "frames", short.path, "--size", "64x64", "--out", "-"]
    let longArguments = [ebtvid.path, "frames", long.path, "--size", "64x64", "--out", "-"]
    let shortRSS = try (0..<3).map { _ in try measure(shortArguments).peakKilobytes }.max()!
    let longRSS = try (0..<3).map { _ in try measure(longArguments).peakKilobytes }.max()!
    report("decode_rss_ratio_long_vs_short", Double(longRSS) / Double(shortRSS))
    report("decode_rss_kb_short_\(frames / 10)_frames", Double(shortRSS), decimals: 0)
    report("decode_rss_kb_long_\(frames)_frames", Double(longRSS), decimals: 0)
}

/// The folder where test clips are made once and reused by later runs (and by other groups).
func benchCache() throws -> URL {
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-bench-cache")
    try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    return cache
}

/// Makes a 720p H.264 test clip once with the ffmpeg CLI; later runs reuse it.
func benchClip(_ url: URL, frames: Int, ffmpeg: URL) throws -> URL {
    if FileManager.default.fileExists(atPath: url.path) { return url }
    let partial = url.deletingPathExtension().appendingPathExtension("partial.mp4")
    let run = try measure([ffmpeg.path, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                           "-frames:v", "\(frames)", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                           "-y", partial.path])
    guard run.status == 0 else { throw DecodeBenchmarkError("ffmpeg could not make \(url.lastPathComponent)") }
    try FileManager.default.moveItem(at: partial, to: url)
    return url
}

/// Wall time, exit status and peak resident memory of one child process, stdout to /dev/null
/// (and stderr too when `quiet`, for a command's progress lines).
func measure(_ arguments: [String], quiet: Bool = false) throws -> (seconds: Double, peakKilobytes: Int, status: Int32) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
    if quiet { posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0) }
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let start = DispatchTime.now().uptimeNanoseconds
    let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
    guard spawned == 0 else { throw DecodeBenchmarkError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    if exitStatus != 0 && !arguments[0].hasSuffix("ffmpeg") {
        throw DecodeBenchmarkError("\(arguments.joined(separator: " ")) exited with \(exitStatus)")
    }
    return (seconds, usage.ru_maxrss, exitStatus)  // ru_maxrss is in kilobytes on Linux
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The benchmark binary sits next to the other products of the same build.
func siblingExecutable(_ name: String) throws -> URL {
    let url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        throw DecodeBenchmarkError("\(url.path) not found; build it first (swift build -c release --product \(name))")
    }
    return url
}

func findOnPath(_ name: String) throws -> URL {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
    for directory in directories + ["/usr/bin"] {
        let url = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    throw DecodeBenchmarkError("\(name) not found on PATH (make setup-bench installs it)")
}

private struct DecodeBenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
