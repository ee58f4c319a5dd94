import EBT
import Foundation
import Tensors
import XCTest

/// `mpirun -np N ebtvid train`: N processes with one thread each train like one process cutting
/// the same global batch into N parts, resume exactly only with N, and a killed process ends the
/// job with the last checkpoint whole. Skipped where Open MPI or an MPI build is missing.
final class MPITrainingTests: XCTestCase {
    /// A tiny model on tiny clips, validating and saving every two steps. A batch of 7 is cut
    /// unevenly over 2 and over 3 processes.
    private static let training = ["--size", "tiny", "--context", "4", "--batch", "7", "--components", "8", "--validate-every", "2",
                                   "--working-size", "48", "--crop", "4", "--seed", "1", "--lr", "5e-3"]

    private var mpirun: URL!

    private var builtWithMPI: Bool {
        get throws { String(decoding: try EbtvidProcess.run(["--version"]).stdout, as: UTF8.self).contains("MPI: built with Open MPI") }
    }

    /// Skips the test unless Open MPI's mpirun is there and ebtvid was built with MPI.
    private func requireMPI() throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
        guard let found = path.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("mpirun is not installed (make setup-mpi installs Open MPI)")
        }
        guard try builtWithMPI else {
            throw XCTSkip("this ebtvid was built without MPI (no Open MPI header when the package was read, or EBTVID_NO_MPI=1)")
        }
        mpirun = found
    }

    private func clips(in directory: URL) throws -> String {
        let clips = directory.appendingPathComponent("clips")
        let made = try EbtvidProcess.run(["synth", "--out", clips.path, "--count", "4", "--frames", "16", "--size", "48", "--seed", "3"])
        XCTAssertEqual(made.status, 0, made.stderr)
        return clips.path
    }

    /// Runs `mpirun -np processes ebtvid arguments...` (as root too, which Open MPI refuses unless told).
    private func launch(_ processes: Int, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = mpirun
        process.arguments = ["--oversubscribe", "-np", String(processes), try XCTUnwrap(EbtvidProcess.executable).path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { $1 }
        process.standardInput = FileHandle.nullDevice
        return process
    }

    private func runMPI(_ processes: Int, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = try launch(processes, arguments)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Each step's loss and gradient norm from a `--log` file, in order.
    private func curve(_ path: String) throws -> [(loss: Float, norm: Float)] {
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        return rows.map { row in
            let cells = row.split(separator: ",").map { Float($0) ?? .nan }
            return (cells[1], cells[7])
        }
    }

    private func weights(_ path: String) throws -> [Float] {
        let file = try ModelFile(contentsOf: URL(fileURLWithPath: path))
        guard case .ebt(let model) = file.network else { XCTFail("\(path) holds no EBT"); return [] }
        return model.parameters.flatMap(\.scalars)
    }

    private func assertClose(_ a: [Float], _ b: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
        XCTAssertLessThan(worst, 1e-5, "\(message): weights differ by up to \(worst)", file: file, line: line)
    }

    /// What an ebtvid built without MPI does when a launcher starts it as one of several: one
    /// line, before reading anything, rather than each process training a model of its own.
    func testWithoutMPIALaunchOfSeveralIsRefusedInOneLine() throws {
        guard try !builtWithMPI else { throw XCTSkip("this ebtvid is built with MPI; the refusal is for builds without it") }
        let directory = try scratchDirectory(for: self)
        let model = directory.appendingPathComponent("model.safetensors").path
        let result = try EbtvidProcess.run(["train", try clips(in: directory), "--out", model, "--steps", "2"] + Self.training,
                                           environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderrLines, ["error: launched as one of 2 MPI processes, but this ebtvid was built without MPI: run `make setup-mpi`, build again, and relaunch"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: model))
    }

    func testProcessesTrainLikeOneProcessCuttingTheSameBatch() throws {
        try requireMPI()
        let directory = try scratchDirectory(for: self)
        let clips = try clips(in: directory)
        for processes in [2, 3] {
            let one = directory.appendingPathComponent("one-\(processes).safetensors").path
            let many = directory.appendingPathComponent("mpi-\(processes).safetensors").path
            let alone = try EbtvidProcess.run(["train", clips, "--out", one, "--steps", "4", "--threads", String(processes), "--log", one + ".csv"] + Self.training,
                                              timeout: 300)
            XCTAssertEqual(alone.status, 0, alone.stderr)
            let spread = try runMPI(processes, ["train", clips, "--out", many, "--steps", "4", "--threads", "1", "--log", many + ".csv"] + Self.training)
            XCTAssertEqual(spread.status, 0, spread.output)
            let expected = try curve(one + ".csv"), measured = try curve(many + ".csv")
            XCTAssertEqual(expected.count, 4)
            XCTAssertEqual(measured.count, 4)
            for (a, b) in zip(measured, expected) {
                XCTAssertEqual(a.loss, b.loss, accuracy: 1e-5 * b.loss, "\(processes) processes: the loss curve")
                XCTAssertEqual(a.norm, b.norm, accuracy: 1e-4 * b.norm, "\(processes) processes: the gradient norms")
            }
            XCTAssertTrue(spread.output.contains("\(processes) process(es) × 1 thread(s); all-reduce "), spread.output)
            assertClose(try weights(many), try weights(one), "\(processes) processes")
            assertClose(try weights(many.replacingOccurrences(of: ".safetensors", with: ".last.safetensors")),
                        try weights(one.replacingOccurrences(of: ".safetensors", with: ".last.safetensors")), "\(processes) processes, last checkpoint")
        }
        // The check has teeth: cut otherwise, the same batch trains another model, by far more
        // than the tolerance.
        let other = directory.appendingPathComponent("one-1.safetensors").path
        XCTAssertEqual(try EbtvidProcess.run(["train", clips, "--out", other, "--steps", "4", "--threads", "1"] + Self.training, timeout: 300).status, 0)
        let difference = zip(try weights(other), try weights(directory.appendingPathComponent("mpi-2.safetensors").path)).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(difference, 1e-4, "one part and two parts gave nearly the same weights")
    }

    func testAResumeContinuesExactlyWithTheSameProcessesOnly() throws {
        try requireMPI()
        let directory = try scratchDirectory(for: self)
        let clips = try clips(in: directory)
        let straight = directory.appendingPathComponent("straight.safetensors").path, resumed = directory.appendingPathComponent("resumed.safetensors").path
        XCTAssertEqual(try runMPI(2, ["train", clips, "--out", straight, "--steps", "4", "--threads", "1"] + Self.training).status, 0)
        XCTAssertEqual(try runMPI(2, ["train", clips, "--out", resumed, "--steps", "2", "--threads", "1"] + Self.training).status, 0)
        // Another process count or thread count would cut the batches otherwise: refused.
        let alone = try EbtvidProcess.run(["train", clips, "--out", resumed, "--steps", "2", "--threads", "1", "--resume"] + Self.training)
        XCTAssertEqual(alone.status, 1, alone.stderr)
        XCTAssertEqual(alone.stderrLines.filter { $0.hasPrefix("error: ") }.count, 1, alone.stderr)
        XCTAssertTrue(alone.stderr.contains("was trained by 2 process(es) × 1 thread(s), not 1 × 1"), alone.stderr)
        let more = try runMPI(3, ["train", clips, "--out", resumed, "--steps", "2", "--threads", "1", "--resume"] + Self.training)
        XCTAssertEqual(more.status, 1, more.output)
        XCTAssertTrue(more.output.contains("not 3 × 1: resume it exactly with `mpirun -np 2 ebtvid train ... --threads 1 --resume`"), more.output)
        let again = try runMPI(2, ["train", clips, "--out", resumed, "--steps", "2", "--threads", "1", "--resume"] + Self.training)
        XCTAssertEqual(again.status, 0, again.output)
        assertClose(try weights(resumed), try weights(straight), "4 steps in one run, or 2 and 2 resumed")
    }

    /// Starts two processes training for good, and returns once both run and the first
    /// checkpoint is saved: the job, its processes and the folder of `model.safetensors`.
    private func startLongRun() throws -> (job: Process, ranks: [Int32], directory: URL) {
        let directory = try scratchDirectory(for: self)
        let clips = try clips(in: directory)
        let model = directory.appendingPathComponent("model.safetensors").path
        let job = try launch(2, ["train", clips, "--out", model, "--steps", "100000", "--threads", "1"] + Self.training)
        job.standardOutput = FileHandle.nullDevice
        job.standardError = FileHandle.nullDevice
        try job.run()
        var ranks: [Int32] = []
        let started = BackgroundProcess.wait(seconds: 120) {
            ranks = BackgroundProcess.children(of: job.processIdentifier)
            return FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.last.safetensors").path) && ranks.count == 2
        }
        if !started { kill(job.processIdentifier, SIGKILL) }
        XCTAssertTrue(started, "the two processes start and save a checkpoint")
        return (job, ranks, directory)
    }

    /// SIGINT to one process (Ctrl-C reaches mpirun, which ends the job instead) is a request
    /// every process hears with the next step's all-reduce: all stop after that step, and
    /// process 0 saves it and exits 0.
    func testAStopRequestToOneProcessStopsAllAfterTheSameStep() throws {
        try requireMPI()
        let (job, ranks, directory) = try startLongRun()
        defer { if job.isRunning { kill(job.processIdentifier, SIGKILL) } }
        let last = directory.appendingPathComponent("model.last.safetensors").path
        kill(try XCTUnwrap(ranks.max()), SIGINT)
        let ended = BackgroundProcess.wait(seconds: 30) { !job.isRunning }
        XCTAssertTrue(ended, "the job went on 30 s after a stop request")
        guard ended else { return }
        XCTAssertEqual(job.terminationStatus, 0)
        let steps = try XCTUnwrap(try ModelFile(contentsOf: URL(fileURLWithPath: last)).notes["steps"].flatMap(Int.init))
        XCTAssertTrue(steps > 2 && steps < 100_000, "saved where it stopped, got step \(steps)")
    }

    /// One process killed mid-run: mpirun ends the others (no process waits forever in an
    /// all-reduce), exits non-zero, and the last checkpoint, written atomically, still loads.
    func testAKilledProcessEndsTheJobAndLeavesTheLastCheckpointWhole() throws {
        try requireMPI()
        let (job, ranks, directory) = try startLongRun()
        defer { if job.isRunning { kill(job.processIdentifier, SIGKILL) } }
        let last = directory.appendingPathComponent("model.last.safetensors").path
        Thread.sleep(forTimeInterval: 1)  // into the steps after it, with saves going on
        let victim = try XCTUnwrap(ranks.max())
        kill(victim, SIGKILL)
        let ended = BackgroundProcess.wait(seconds: 30) { !job.isRunning }
        XCTAssertTrue(ended, "mpirun outlived a killed process by 30 s")
        guard ended else { return }
        XCTAssertNotEqual(job.terminationStatus, 0)
        XCTAssertFalse(ranks.contains(where: BackgroundProcess.isRunning), "a process of the job outlived it")
        let saved = try ModelFile(contentsOf: URL(fileURLWithPath: last))
        let steps = try XCTUnwrap(saved.notes["steps"].flatMap(Int.init))
        XCTAssertTrue(steps >= 2 && steps % 2 == 0, "saved at a validation step, got \(steps)")
        XCTAssertEqual(saved.notes["processes"], "2")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".partial") }
        XCTAssertEqual(leftovers, [], "partial files left behind")
    }
}
