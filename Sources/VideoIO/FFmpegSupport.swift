import CFFmpeg
import Foundation

/// Small bridges over FFmpeg C idioms that Swift cannot import directly (macros, error strings,
/// global logging), kept in one place so the reader and writer read as plain Swift.
enum FFmpeg {
    static let eof = ebt_averror_eof()
    static let again = ebt_averror_eagain()
    /// `AV_NOPTS_VALUE`, a cast macro the importer skips.
    static let noTimestamp = Int64.min

    /// FFmpeg's own text for an `AVERROR` code, e.g. "Invalid data found when processing input".
    static func message(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) < 0 { return "error \(code)" }
        return String(cString: buffer)
    }

    /// FFmpeg logs straight to stderr; we report problems ourselves as one-line errors and
    /// warnings, so its log is silenced unless `EBTVID_FFMPEG_LOG=1` asks for it while debugging.
    static let configureLogging: Void = {
        let verbose = ProcessInfo.processInfo.environment["EBTVID_FFMPEG_LOG"] == "1"
        av_log_set_level(verbose ? AV_LOG_VERBOSE : AV_LOG_QUIET)
    }()

    static func rational(_ value: AVRational) -> Double? {
        guard value.num > 0, value.den > 0 else { return nil }
        return Double(value.num) / Double(value.den)
    }
}
