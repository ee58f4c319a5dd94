import FileSystem
import Foundation

/// Checks on where a command writes, made before minutes of work go into it.
enum OutputPath {
    /// Opening (and at once discarding) an atomic temporary file beside it fails exactly when the
    /// real write would.
    static func checkWritable(_ url: URL) throws {
        _ = try AtomicFile(url: url)
    }

    /// Why `path`, given to `flag`, names no place to write, or nil: an empty `--out ''` would
    /// otherwise mean the current folder.
    static func problem(_ path: String, flag: String = "--out") -> String? {
        path.trimmingCharacters(in: .whitespaces).isEmpty ? "\(flag) must name a file or folder, got '\(path)'" : nil
    }
}
