import Foundation

/// Turns Ctrl-C into a polite request: long jobs check `requested` between steps, finish the step,
/// save what they have and exit. A second Ctrl-C ends the process at once (its partial files removed).
enum Interruption {
    private static let lock = NSLock()
    private static var flag = false

    static var requested: Bool { lock.lock(); defer { lock.unlock() }; return flag }

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
