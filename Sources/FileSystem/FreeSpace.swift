import Foundation

/// Whether the file system an output goes to has room for it, asked before writing: a request
/// that implies more bytes than are free fails at once with the sizes, not after filling the disk.
public enum FreeSpace {
    /// Bytes this user may still write on the file system holding `url`'s folder; nil when unknown.
    public static func available(for url: URL) -> Int? {
        var status = statvfs()
        guard statvfs(url.deletingLastPathComponent().path, &status) == 0 else { return nil }
        let bytes = Double(status.f_bavail) * Double(status.f_frsize)
        return bytes < Double(Int.max) ? Int(bytes) : Int.max
    }

    /// Throws when `bytes` (described by `what`, e.g. "768 frames of 8192x8192") exceed what is
    /// free for `url`; `hint` says how to ask for less.
    public static func check(_ bytes: Int, for url: URL, what: String, hint: String) throws {
        guard let free = available(for: url), bytes > free else { return }
        throw FileSystemError(path: url.relativePath, action: .write,
                              cause: "\(what) need about \(gigabytes(bytes)) and only \(gigabytes(free)) are free there; \(hint)")
    }

    static func gigabytes(_ bytes: Int) -> String { String(format: "%.1f GB", Double(bytes) / 1e9) }
}
