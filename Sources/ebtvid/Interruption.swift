import Dispatch
import Foundation

/// Turns Ctrl-C into a polite request: long jobs check `requested` between steps, finish the step,
/// save what they have and exit. A second Ctrl-C exits at once.
enum Interruption {
    private static let lock = NSLock()
    private static var flag = false
    private static var source: DispatchSourceSignal?

    static var requested: Bool { lock.lock(); defer { lock.unlock() }; return flag }

    static func install() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            lock.lock()
            let second = flag
            flag = true
            lock.unlock()
            if second { exit(130) }
            FileHandle.standardError.write(Data("\ninterrupted: finishing the current step and saving (Ctrl-C again to quit now)\n".utf8))
        }
        source.resume()
        self.source = source
    }
}
