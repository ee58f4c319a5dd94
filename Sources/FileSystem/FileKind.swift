import Foundation

/// What a path names, by stat(2) (symlinks followed). Asking "does it exist?" alone tells a
/// symlink loop or a folder without permission apart from nothing at all, and a FIFO or a
/// device apart from an empty file, which is what users were told before.
public enum FileKind: Equatable, Sendable {
    case regular(size: Int)
    case directory
    case fifo
    case characterDevice
    case blockDevice
    case socket
    case other

    /// The kind of `path`; nil when nothing is there. Any other failure (a loop, no permission to
    /// look, a file where a folder should be) is a `FileSystemError` naming its cause.
    public static func at(_ path: String, action: FileSystemError.Action = .read) throws -> FileKind? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw FileSystemError(path: path, action: action, errno: errno)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regular(size: Int(status.st_size))
        case S_IFDIR: return .directory
        case S_IFIFO: return .fifo
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFSOCK: return .socket
        default: return .other
        }
    }

    /// Throws unless `path` is free or a regular file, which an output may be renamed over:
    /// renaming over a directory fails, and over a device or FIFO (`--out /dev/full`) would
    /// replace it with a plain file.
    public static func checkReplaceable(_ path: String) throws {
        if let kind = try at(path, action: .write), !kind.isRegular {
            throw FileSystemError(path: path, action: .write, cause: kind == .directory ? "is a directory" : "is \(kind.noun), not a regular file")
        }
    }

    public var isRegular: Bool {
        if case .regular = self { return true }
        return false
    }

    /// How a message names this kind: "a FIFO", "a character device".
    public var noun: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .other: return "a special file"
        }
    }
}
