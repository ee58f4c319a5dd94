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
    /// warnings, so its log is captured instead (the last error explains failures such as
    /// "Picture size 16384x16384 is invalid" better than the bare error code). With
    /// `EBTVID_FFMPEG_LOG=1` FFmpeg's own verbose log is kept for debugging.
    static let configureLogging: Void = {
        if ProcessInfo.processInfo.environment["EBTVID_FFMPEG_LOG"] == "1" {
            av_log_set_level(AV_LOG_VERBOSE)
            return
        }
        av_log_set_level(AV_LOG_ERROR)
        av_log_set_callback { _, level, format, arguments in
            guard level <= AV_LOG_ERROR, let format, let arguments else { return }
            var buffer = [CChar](repeating: 0, count: 512)
            _ = vsnprintf(&buffer, buffer.count, format, arguments)
            let line = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
            if !line.isEmpty { LastLogMessage.shared.set(line) }
        }
    }()

    /// The most recent error FFmpeg logged since `clearLastLog()`, if any. Shared by all threads:
    /// when several files are opened at once the message may belong to another file, so it is
    /// only ever used as extra detail next to the error code.
    static var lastLog: String? { LastLogMessage.shared.get() }
    /// The first error logged since `clearLastLog()`: often the cause, where the last is its consequence.
    static var firstLog: String? { LastLogMessage.shared.getFirst() }
    static func clearLastLog() { LastLogMessage.shared.set(nil) }

    /// An error code with FFmpeg's last logged explanation, e.g.
    /// "Device or resource busy: Picture size 16384x16384 is invalid".
    static func explain(_ code: Int32) -> String {
        guard let detail = lastLog else { return message(for: code) }
        return "\(message(for: code)): \(detail)"
    }

    static func rational(_ value: AVRational) -> Double? {
        guard value.num > 0, value.den > 0 else { return nil }
        return Double(value.num) / Double(value.den)
    }
}

/// A lock-protected slot for the log callback, which FFmpeg may call from its worker threads.
private final class LastLogMessage: @unchecked Sendable {
    static let shared = LastLogMessage()
    private let lock = NSLock()
    private var message: String?
    private var first: String?

    /// Records a logged error; nil clears both the first and the last.
    func set(_ value: String?) {
        lock.lock()
        message = value
        if value == nil || first == nil { first = value }
        lock.unlock()
    }

    func getFirst() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return first
    }

    func get() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return message
    }
}
