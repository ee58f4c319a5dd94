import Foundation

/// One self-updating status line on a terminal; plain log lines, at most one every few seconds,
/// when stderr is a file or a pipe (CI logs, `2> log`), so logs stay readable.
final class ProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastPlain = Date.distantPast
    private var shown = false
    private let plainInterval: TimeInterval

    init(plainInterval: TimeInterval = 5) { self.plainInterval = plainInterval }

    /// Shows `text` (redrawn in place on a terminal). `force` prints a plain line regardless of the interval.
    func update(_ text: String, force: Bool = false) {
        if isTerminal {
            write("\r\u{1B}[2K" + text)
            shown = true
        } else if force || Date().timeIntervalSince(lastPlain) >= plainInterval {
            write(text + "\n")
            lastPlain = Date()
        }
    }

    /// Prints a message on its own line without losing the status line.
    func message(_ text: String) {
        if isTerminal && shown { write("\r\u{1B}[2K") }
        write(text + "\n")
    }

    /// Ends the status line so what follows starts on a fresh line.
    func finish() {
        if isTerminal && shown { write("\n") }
        shown = false
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// "1:05" or "1:02:03".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// A bar like `[#######.......]` for a fraction in 0...1.
    static func bar(_ fraction: Double, width: Int = 20) -> String {
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}
