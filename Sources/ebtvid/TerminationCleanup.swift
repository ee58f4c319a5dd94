import Dispatch
import FileSystem
import Foundation

/// On SIGTERM or SIGINT, removes the hidden partial files and folders this process is writing
/// (`PartialFiles`) before it goes, then ends by the same signal so its parent sees why. Without
/// it a killed run left `.NAME.PID-N.partial` files behind for good. The handlers run on a
/// dispatch queue, not in the signal's context, where removing files is not safe.
enum TerminationCleanup {
    private static var sources: [Int32: DispatchSourceSignal] = [:]

    /// A signal the process was started with ignored (SIGINT in a shell's background job) stays ignored.
    static func install() {
        for signalNumber in [SIGTERM, SIGINT] where !isIgnored(signalNumber) {
            handle(signalNumber) { end(by: signalNumber) }
        }
    }

    private static func isIgnored(_ signalNumber: Int32) -> Bool {
        var current = sigaction()
        sigaction(signalNumber, nil, &current)
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Replaces the handling of `signalNumber` with `action` (train's Ctrl-C finishes its step).
    static func handle(_ signalNumber: Int32, _ action: @escaping () -> Void) {
        sources[signalNumber]?.cancel()
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        sources[signalNumber] = source
    }

    /// Gives `signalNumber` back to the caller, who handles it another way (`Interruption`).
    static func release(_ signalNumber: Int32) {
        sources.removeValue(forKey: signalNumber)?.cancel()
    }

    /// Removes the partials, then dies of `signalNumber` as if no handler had been installed.
    static func end(by signalNumber: Int32) -> Never {
        PartialFiles.removeAll()
        signal(signalNumber, SIG_DFL)
        kill(getpid(), signalNumber)
        exit(128 + signalNumber)  // not reached: the signal's default action ends the process
    }
}
