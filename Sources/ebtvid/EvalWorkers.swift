import CProcess
import EBT
import Foundation
import Pipeline

/// `eval --jobs J`: J copies of this program, each evaluating every J-th clip into the shared
/// record folder. Processes rather than threads because each worker then owns its tensors,
/// autodiff state and BLAS threads outright; records are written atomically, so the parent's own
/// pass afterwards finds every finished clip done and evaluates only what a worker left undone.
struct EvalWorkers {
    let count: Int
    /// The worker's arguments after `eval` (its `--worker` is appended).
    let arguments: [String]
    /// The records the workers are to write, and how many others an earlier run left that hold.
    let pendingRecords: [URL]
    let reused: Int

    /// Tells a worker which process started it, so it can tell when that one is gone.
    static let parentVariable = "EBTVID_EVAL_PARENT"

    /// Runs the workers to completion, calling `progress` with the number of clips recorded so far.
    func run(progress: (Int) -> Void) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"  // the workers share the cores; each keeps one
        environment[Self.parentVariable] = String(getpid())
        let workers = try (0..<count).map { index -> Process in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["eval"] + arguments + ["--worker", "\(index)/\(count)"]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        // An out-of-date record is there from the start: a clip is done when its record changes.
        let before = pendingRecords.map(Self.modification)
        func done() -> Int { reused + zip(pendingRecords, before).filter { Self.modification($0.0) != $0.1 }.count }
        while workers.contains(where: \.isRunning) {
            progress(done())
            Thread.sleep(forTimeInterval: 0.25)
        }
        progress(done())
    }

    /// A file's modification time in seconds (nil when absent), to well under a microsecond.
    private static func modification(_ url: URL) -> Double? {
        var status = stat()
        guard stat(url.path, &status) == 0 else { return nil }
        return Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
    }

    /// Called in a worker: it gets SIGTERM when its parent goes, however the parent ends
    /// (Ctrl-C, SIGTERM, SIGKILL, a crash), so no worker goes on writing into `--out` for an
    /// evaluation nobody waits for. SIGTERM removes its partial files (`TerminationCleanup`).
    /// A parent already gone before the request took effect is caught by its id.
    static func followParent() {
        guard let expected = ProcessInfo.processInfo.environment[parentVariable].flatMap(pid_t.init) else { return }
        PatchBands.cores = 1  // the workers share the cores, one each, as their BLAS does
        _ = ebt_signal_on_parent_death(SIGTERM)
        if getppid() != expected { TerminationCleanup.end(by: SIGTERM) }
    }
}
