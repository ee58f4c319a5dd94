import CProcess
import Foundation
import Pipeline

/// `eval --jobs J`: J copies of this program, each evaluating every J-th clip into the shared
/// record folder. Processes rather than threads because each worker then owns its tensors,
/// autodiff state and BLAS threads outright; records are written atomically, so the parent's own
/// pass afterwards finds every finished clip done and evaluates only what a worker left undone.
struct EvalWorkers {
    let count: Int
    /// The worker's arguments after `eval` (its shard is appended).
    let arguments: [String]
    let clips: [URL]
    let output: URL

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
            process.arguments = ["eval"] + arguments + ["--shard", "\(index)/\(count)"]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let records = clips.map { EvalJob.record(of: $0, output: output).path }
        while workers.contains(where: \.isRunning) {
            progress(records.filter { FileManager.default.fileExists(atPath: $0) }.count)
            Thread.sleep(forTimeInterval: 0.25)
        }
        progress(records.filter { FileManager.default.fileExists(atPath: $0) }.count)
    }

    /// Called in a worker: it gets SIGTERM when its parent goes, however the parent ends
    /// (Ctrl-C, SIGTERM, SIGKILL, a crash), so no worker goes on writing into `--out` for an
    /// evaluation nobody waits for. SIGTERM removes its partial files (`TerminationCleanup`).
    /// A parent already gone before the request took effect is caught by its id.
    static func followParent() {
        guard let expected = ProcessInfo.processInfo.environment[parentVariable].flatMap(pid_t.init) else { return }
        _ = ebt_signal_on_parent_death(SIGTERM)
        if getppid() != expected { TerminationCleanup.end(by: SIGTERM) }
    }
}
