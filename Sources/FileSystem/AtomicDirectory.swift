import Foundation

/// A folder of outputs that appears at its destination only when every file in it is written:
/// they go into a hidden temporary folder beside it (`PartialFiles` names it), `commit()` renames
/// that into place, replacing an older run's folder only then, and a folder never committed is
/// deleted with everything in it. A run that fails half-way (a full disk, a NaN) leaves the older
/// folder as it was instead of some new files mixed with old ones.
public final class AtomicDirectory {
    /// Where the folder ends up.
    public let url: URL
    /// Where its files are written until `commit()`.
    public let temporaryURL: URL
    private var state = State.open

    private enum State { case open, committed, discarded }

    /// Creates the temporary folder (and the destination's parents). An existing folder at `url`
    /// is only replaced when everything in it has one of `replaceableNames` (it is an earlier
    /// run's output): a folder holding anything else, or a file, is refused before any work.
    public init(url: URL, replaceableNames: Set<String>) throws {
        let path = url.relativePath
        switch try FileKind.at(path, action: .write) {
        case nil: break
        case .directory?:
            let names = try FileSystemError.naming(path, .read) { try FileManager.default.contentsOfDirectory(atPath: url.path) }
            let others = names.filter { !replaceableNames.contains($0) }.sorted()
            if !others.isEmpty {
                let shown = others.prefix(3).joined(separator: ", ") + (others.count > 3 ? ", ..." : "")
                throw FileSystemError(path: path, action: .write, cause: "the folder holds files this command does not write (\(shown)), so it is not replaced")
            }
        case let kind?:
            throw FileSystemError(path: path, action: .write, cause: "is \(kind.noun), not a folder")
        }
        let parent = url.deletingLastPathComponent()
        try Folder.create(parent)
        PartialFiles.removeStale(in: parent)
        let temporary = PartialFiles.temporaryURL(for: url)
        guard mkdir(temporary.path, 0o755) == 0 else { throw FileSystemError(path: path, action: .write, errno: errno) }
        PartialFiles.register(temporary)
        self.url = url
        self.temporaryURL = temporary
    }

    deinit { discard() }

    /// Where the file called `name` is written inside the folder before the commit.
    public func file(_ name: String) -> URL { temporaryURL.appendingPathComponent(name) }

    /// Runs `body`, which writes into the folder, so that its errors name the paths the files
    /// will have rather than the hidden temporary folder's.
    public func writing<T>(_ body: () throws -> T) throws -> T {
        try RelocatedError.retelling(hidden: temporaryURL.relativePath, as: url.relativePath, body)
    }

    /// Moves the finished folder into place. An older folder there is set aside first and
    /// deleted once the new one stands, so one of the two is always at `url`.
    public func commit() throws {
        guard state == .open else { return }
        let path = url.relativePath
        var older: URL?
        if (try? FileKind.at(path)) == .directory {
            let aside = PartialFiles.temporaryURL(for: url)
            guard rename(url.path, aside.path) == 0 else { throw FileSystemError(path: path, action: .write, errno: errno) }
            PartialFiles.register(aside)
            older = aside
        }
        if rename(temporaryURL.path, url.path) != 0 {
            let code = errno
            if let older { rename(older.path, url.path); PartialFiles.forget(older) }
            throw FileSystemError(path: path, action: .write, errno: code)
        }
        state = .committed
        PartialFiles.forget(temporaryURL)
        if let older {
            try? FileManager.default.removeItem(at: older)
            PartialFiles.forget(older)
        }
    }

    /// Deletes the temporary folder and what is in it; the destination is left as it was.
    public func discard() {
        guard state == .open else { return }
        state = .discarded
        try? FileManager.default.removeItem(at: temporaryURL)
        PartialFiles.forget(temporaryURL)
    }
}
