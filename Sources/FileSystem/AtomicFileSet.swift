import Foundation

/// Files of one folder that belong together (a video and the scores beside it) and so appear
/// together or not at all: each is written into a hidden temporary folder beside them
/// (`PartialFiles` names it), and `commit()` moves them into place only when all are written,
/// setting an older run's files of those names aside first and putting them back if a move fails.
/// A run that fails half-way (a full disk, a NaN, a signal) leaves the older files as they were,
/// never some new ones mixed with old ones. Unlike `AtomicDirectory`, the folder may hold
/// anything else: only the named files are replaced.
public final class AtomicFileSet {
    /// Where the files end up, all in one folder.
    public let destinations: [URL]
    /// The hidden folder they are written into until `commit()`.
    public let temporaryURL: URL
    private var state = State.open

    private enum State { case open, committed, discarded }

    /// Creates the temporary folder (and the destinations' folder). A destination that exists
    /// and is not a regular file (a folder, a device) is refused here, before any work.
    public init(_ destinations: [URL]) throws {
        precondition(!destinations.isEmpty, "an AtomicFileSet needs at least one file")
        let parent = destinations[0].deletingLastPathComponent()
        precondition(destinations.allSatisfy { $0.deletingLastPathComponent().standardizedFileURL == parent.standardizedFileURL },
                     "the files of an AtomicFileSet share one folder")
        for destination in destinations { try FileKind.checkReplaceable(destination.relativePath) }
        try Folder.create(parent)
        PartialFiles.removeStale(in: parent)
        let temporary = PartialFiles.temporaryURL(for: destinations[0])
        guard mkdir(temporary.path, 0o755) == 0 else {
            throw FileSystemError(path: destinations[0].relativePath, action: .write, errno: errno)
        }
        PartialFiles.register(temporary)
        self.destinations = destinations
        self.temporaryURL = temporary
    }

    deinit { discard() }

    /// Where `destination`, one of the set, is written before the commit: under its own name
    /// (so its extension still tells a writer the format) in the temporary folder.
    public func file(_ destination: URL) -> URL {
        precondition(destinations.contains(destination), "\(destination.relativePath) is not one of the set")
        return temporaryURL.appendingPathComponent(destination.lastPathComponent)
    }

    /// Runs `body`, which writes the files, so that its errors name the paths the files will
    /// have rather than the hidden temporary folder's.
    public func writing<T>(_ body: () throws -> T) throws -> T {
        let first = destinations[0].relativePath
        let folder = String(first.dropLast(destinations[0].lastPathComponent.count))
        return try RelocatedError.retelling(hidden: temporaryURL.relativePath + "/", as: folder, body)
    }

    /// Moves every file into place. Older files of those names are moved into the temporary
    /// folder first and deleted with it once all new ones stand; if any move fails, the new
    /// files already placed are taken back and the older ones restored.
    public func commit() throws {
        guard state == .open else { return }
        var setAside: [(destination: URL, aside: URL)] = [], placed: [URL] = []
        func undo() {
            for destination in placed where !setAside.contains(where: { $0.destination == destination }) { unlink(destination.path) }
            for (destination, aside) in setAside { rename(aside.path, destination.path) }
        }
        for (index, destination) in destinations.enumerated() where (try? FileKind.at(destination.relativePath))?.isRegular == true {
            let aside = temporaryURL.appendingPathComponent(".older-\(index)")
            guard rename(destination.path, aside.path) == 0 else {
                let code = errno
                undo()
                throw FileSystemError(path: destination.relativePath, action: .write, errno: code)
            }
            setAside.append((destination, aside))
        }
        for destination in destinations {
            guard rename(file(destination).path, destination.path) == 0 else {
                let code = errno
                undo()
                throw FileSystemError(path: destination.relativePath, action: .write, errno: code)
            }
            placed.append(destination)
        }
        state = .committed
        try? FileManager.default.removeItem(at: temporaryURL)
        PartialFiles.forget(temporaryURL)
    }

    /// Deletes the temporary folder and what is in it; the destinations are left as they were.
    public func discard() {
        guard state == .open else { return }
        state = .discarded
        try? FileManager.default.removeItem(at: temporaryURL)
        PartialFiles.forget(temporaryURL)
    }
}
