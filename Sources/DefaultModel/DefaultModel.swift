import Foundation

/// Where the model that ships with ebtvid lives, so `predict`, `overlay` and `eval` work without
/// `--model`. It is a package resource, which SwiftPM copies into a bundle directory beside the
/// executable. We look for that directory ourselves instead of using the generated
/// `Bundle.module`, which stops the process when the bundle is missing (a binary copied without
/// it): here a missing model is one clear error, and `EBTVID_DEFAULT_MODEL` can point elsewhere.
/// An installed binary (`make install`) finds it in `PREFIX/share/ebtvid/` instead, the usual
/// place for a program's data, found from the binary's real path so any PREFIX works.
public enum DefaultModel {
    /// Overrides the location (tests, or a model installed somewhere else).
    public static let environmentVariable = "EBTVID_DEFAULT_MODEL"
    public static let fileName = "default-model.safetensors"
    /// The bundle directories SwiftPM makes for this target's resources: `.resources` on Linux,
    /// `.bundle` on macOS.
    static let bundleNames = ["ebtvid_DefaultModel.resources", "ebtvid_DefaultModel.bundle"]
    /// Where `make install` puts the model, relative to the folder of the installed binary.
    static let installedFolder = "../share/ebtvid"

    /// The default model file. `environment` and `executable` are the process's own unless a
    /// caller (a test) says otherwise.
    public static func location(environment: [String: String] = ProcessInfo.processInfo.environment,
                                executable: URL? = runningExecutable) throws -> URL {
        if let path = environment[environmentVariable], !path.isEmpty {
            let url = URL(fileURLWithPath: path)
            guard isFile(url) else { throw DefaultModelError(searched: [url.path]) }
            return url
        }
        guard let directory = executable?.resolvingSymlinksInPath().deletingLastPathComponent() else {
            throw DefaultModelError(searched: [])
        }
        let candidates = (bundleNames + [installedFolder]).map { directory.appendingPathComponent($0).appendingPathComponent(fileName).standardizedFileURL }
        guard let found = candidates.first(where: isFile) else { throw DefaultModelError(searched: candidates.map(\.path)) }
        return found
    }

    /// This process's executable (symlinks are followed by `location`).
    public static var runningExecutable: URL? {
        Bundle.main.executableURL ?? CommandLine.arguments.first.map { URL(fileURLWithPath: $0) }
    }

    private static func isFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
