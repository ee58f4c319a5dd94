import Foundation

/// The hidden files and folders outputs are written into before they are renamed into place:
/// `.NAME.PID-N.partial` beside the destination. The name carries the writing process's id, so a
/// later run can tell a leftover of a process that died (a crash, SIGKILL, a power cut) from one
/// still being written and remove it; and every open one is remembered, so that a SIGTERM or
/// SIGINT handler can remove them before the process goes (`removeAll`).
public enum PartialFiles {
    static let suffix = ".partial"
    private static let lock = NSLock()
    private static var open: Set<String> = []
    private static var swept: Set<String> = []

    /// A fresh hidden name beside `destination` for this process to write it under.
    static func temporaryURL(for destination: URL) -> URL {
        let name = ".\(destination.lastPathComponent).\(getpid())-\(UInt32.random(in: 0 ... .max))\(suffix)"
        return destination.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// The id of the process that named `name`, when it is a partial's name.
    static func owner(of name: String) -> pid_t? {
        guard name.hasPrefix("."), name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard let dot = stem.lastIndex(of: "."), let dash = stem[dot...].firstIndex(of: "-") else { return nil }
        return pid_t(stem[stem.index(after: dot)..<dash])
    }

    /// Remembers a partial this process is writing, for `removeAll`.
    static func register(_ url: URL) {
        lock.lock()
        open.insert(url.path)
        lock.unlock()
    }

    /// Forgets a partial once it is renamed into place or deleted.
    static func forget(_ url: URL) {
        lock.lock()
        open.remove(url.path)
        lock.unlock()
    }

    /// Removes every partial this process has open, folders with their contents. For the
    /// moment before a signal ends the process; it is not safe inside a signal handler itself,
    /// so it runs from a dispatch source's handler.
    public static func removeAll() {
        lock.lock()
        let paths = open
        open = []
        lock.unlock()
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Removes the partials in `directory` whose process is gone, once per directory per run.
    static func removeStale(in directory: URL) {
        let path = directory.standardizedFileURL.path
        lock.lock()
        let first = swept.insert(path).inserted
        lock.unlock()
        guard first, let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names {
            guard let pid = owner(of: name), pid != getpid(), !isAlive(pid) else { continue }
            try? FileManager.default.removeItem(atPath: (path as NSString).appendingPathComponent(name))
        }
    }

    /// Whether a process with id `pid` exists (one we may not signal still does).
    static func isAlive(_ pid: pid_t) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
