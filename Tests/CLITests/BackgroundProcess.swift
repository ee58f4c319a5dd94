import Foundation
import XCTest

/// An `ebtvid` run the test does not wait for, to signal it mid-way, and the facts about
/// processes such tests check (/proc is Linux's).
enum BackgroundProcess {
    /// Starts `ebtvid arguments...` with stdout and stderr discarded.
    static func start(_ arguments: [String], standardInput: Any = FileHandle.nullDevice) throws -> Process {
        let process = Process()
        process.executableURL = try XCTUnwrap(EbtvidProcess.executable)
        process.arguments = arguments
        process.standardInput = standardInput
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The ids of the live processes whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { child in
            guard let stat = self.stat(of: child) else { return false }
            return stat.parent == pid && stat.state != "Z"
        }
    }

    /// Whether `pid` is running (a zombie nobody reaped has stopped).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let state = stat(of: pid)?.state else { return false }
        return state != "Z" && state != "X"
    }

    /// State letter and parent id from /proc/PID/stat, whose second field (the name, in
    /// parentheses) may hold spaces: the rest follows the last ')'.
    private static func stat(of pid: Int32) -> (state: String, parent: Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let parent = Int32(fields[1]) else { return nil }
        return (String(fields[0]), parent)
    }

    /// Polls `condition` every 50 ms for up to `seconds`; whether it became true.
    static func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }
}
