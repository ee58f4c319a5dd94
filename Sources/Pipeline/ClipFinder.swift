import FileSystem
import Foundation

/// Turns the paths a user gives (files and folders, searched recursively) into the list of clips
/// to work on, in a stable order so runs are reproducible.
public enum ClipFinder {
    /// File extensions treated as video when scanning folders. Files named explicitly are always
    /// taken, whatever their extension, and fail later with a clear error if they are not video.
    public static let videoExtensions: Set<String> = ["mp4", "m4v", "mkv", "webm", "avi", "mov", "mpg", "mpeg", "ts", "y4m", "gif", "flv", "wmv", "ogv"]

    public struct MissingInput: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path): no such file or directory" }
    }

    public static func clips(in inputs: [String]) throws -> [URL] {
        var found: [URL] = []
        for input in inputs {
            guard let kind = try FileKind.at(input) else { throw MissingInput(path: input) }
            let url = URL(fileURLWithPath: input)
            if kind != .directory { found.append(url); continue }
            let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey],
                                                       options: [.skipsHiddenFiles])
            var inFolder: [URL] = []
            while let item = walker?.nextObject() as? URL {
                if videoExtensions.contains(item.pathExtension.lowercased()),
                   (try? item.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    inFolder.append(item)
                }
            }
            found += inFolder.sorted { $0.path < $1.path }
        }
        var seen = Set<String>()
        return found.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }
}
