import Foundation

/// A path as seen from a folder (`../../clips/a.mp4`), so a report names its clips and model the
/// way a link from its own folder would, short and the same wherever the batch ran.
enum RelativePath {
    /// `path` (absolute, or relative to the working directory) relative to `folder`; absolute when
    /// the two share no folder below the root (`/tmp/eval` and `/work/clips`), where a relative
    /// path would only climb to the root and down again.
    static func of(_ path: String, from folder: URL) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        let target = absolute.pathComponents, base = folder.standardizedFileURL.pathComponents
        var shared = 0
        while shared < target.count - 1 && shared < base.count && target[shared] == base[shared] { shared += 1 }
        if shared <= 1 && base.count > 1 { return absolute.path }
        let components = Array(repeating: "..", count: base.count - shared) + target[shared...]
        return components.joined(separator: "/")
    }
}
