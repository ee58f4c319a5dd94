import CProcess
import Foundation

/// Turns Ctrl-C into a polite request: long jobs check `requested` between steps, finish the step,
/// save what they have and exit. A second Ctrl-C ends the process at once (its partial files removed).
enum Interruption {
    private static let lock = NSLock()
    private static var flag = false

    static var requested: Bool {
        lock.lock(); defer { lock.unlock() }
        return flag || ebt_signal_seen() != 0
    }

    /// For one of several MPI processes: SIGINT sets a flag from a plain handler, since MPI's own
    /// threads, started without the signal blocked, would take it from the dispatch source and
    /// drop it. Each request is one, all stopping after the same step; the job ends at once by
    /// mpirun (Ctrl-C there, or SIGTERM) instead.
    static func installForProcessGroup() {
        TerminationCleanup.release(SIGINT)
        _ = ebt_catch_signal(SIGINT)
    }

    static func install() {
        TerminationCleanup.handle(SIGINT) {
            lock.lock()
            let second = flag
            flag = true
            lock.unlock()
            if second { TerminationCleanup.end(by: SIGINT) }
            FileHandle.standardError.write(Data("\ninterrupted: finishing the current step and saving (Ctrl-C again to quit now)\n".utf8))
        }
    }
}
