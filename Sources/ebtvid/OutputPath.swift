import FileSystem
import Foundation
import VideoIO

/// Checks an output can be written *before* minutes of work go into it: opening (and at once
/// discarding) an atomic temporary file beside it fails exactly when the real write would.
enum OutputPath {
    static func checkWritable(_ url: URL) throws {
        _ = try AtomicFile(url: url)
    }
}
