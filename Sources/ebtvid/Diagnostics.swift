import FileSystem
import Foundation
import VideoIO

/// How the command line talks to a user about problems: one line each on stderr, prefixed
/// `warning:` or `error:`, so scripts can grep them and people can read them.
enum Diagnostics {
    static func warn(_ message: String) {
        write("warning: \(message)")
    }

    /// Progress and summaries go to stderr too, so stdout carries only data.
    static func note(_ message: String) {
        write(message)
    }

    /// Reports a problem that does not end the run (one clip of a batch failing).
    static func report(_ error: Error) {
        write("error: \(oneLine(describe(error)))")
    }

    /// Prints the error and exits with `code`; `message` is ArgumentParser's text for its own errors.
    static func fail(_ error: Error, message: String, code: Int32) -> Never {
        let text = error is VideoIOError || FileSystemError(error) != nil ? describe(error) : message
        if !text.isEmpty { write("error: \(oneLine(text))") }
        exit(code == 0 ? 1 : code)
    }

    /// Foundation's file errors, wherever one still escapes, are told as `PATH: cannot ... (cause)`.
    private static func describe(_ error: Error) -> String {
        if let error = error as? VideoIOError { return error.description }
        if let error = FileSystemError(error) { return error.description }
        return String(describing: error)
    }

    /// ArgumentParser sometimes adds a "Help:" line; keep everything, on one line.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " — ")
    }

    private static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
