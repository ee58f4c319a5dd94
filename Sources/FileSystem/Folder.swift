import Foundation

/// Making the folders outputs go into, with the cause told by the path the user gave: under a
/// regular file Foundation reported `Code=512 "(null)"` or "File exists" for a parent it was
/// asked to make, where the real cause is that a file stands where a folder must be.
public enum Folder {
    /// Creates `url` and any missing parents; an existing folder is fine, anything else there is refused.
    public static func create(_ url: URL) throws {
        let path = url.relativePath
        switch try FileKind.at(path, action: .createFolder) {
        case .directory?: return
        case nil:
            try FileSystemError.naming(path, .createFolder) {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            }
        case let kind?:
            throw FileSystemError(path: path, action: .createFolder, cause: "is \(kind.noun)")
        }
    }
}
