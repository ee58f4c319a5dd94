import Foundation

/// `ebtvid-bench mpi` (and `make bench`): training over MPI, by launching the built `ebtvid` as a
/// user does, on the default model's recipe (tiny EBT, context 4, batch 16, 8-patch crops of
/// 128-pixel frames, 16 codes per patch, motion start).
/// - `mpi_train_scaling_2_ranks`: samples per second of `mpirun -np 2 ebtvid train --threads 1`
///   over one process with `--threads 1`, the same global batch; the two are run alternately,
///   three rounds, and the medians compared, so the machine's load falls on both alike.
/// - `mpi_allreduce_share`: the share of a 2-process step spent in the all-reduce (waiting for
///   the slower process included), as `train` reports it.
/// Skipped with a note when mpirun is missing or ebtvid was built without MPI.
func runMPIBenchmarks() throws {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("ebtvid")
    guard let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
        note("mpi figures skipped: mpirun is not installed (make setup-mpi)")
        return
    }
    guard let version = try? launch(executable.path, ["--version"]), version.contains("MPI: built with Open MPI") else {
        note("mpi figures skipped: \(executable.path) was built without MPI (make setup-mpi, then build again)")
        return
    }
    let quick = ProcessInfo.processInfo.environment["EBTVID_BENCH_QUICK"] == "1"
    let (rounds, steps) = quick ? (1, 6) : (3, 40)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-bench-mpi-\(getpid())")
    defer { try? FileManager.default.removeItem(at: directory) }
    let clips = directory.appendingPathComponent("clips").path
    _ = try launch(executable.path, ["synth", "--out", clips, "--count", "8", "--frames", "24", "--size", "128", "--seed", "5"])
    let model = directory.appendingPathComponent("model.safetensors").path
    let training = ["train", clips, "--out", model, "--size", "tiny", "--context", "4", "--batch", "16", "--components", "16", "--start", "motion",
                    "--working-size", "128", "--crop", "8", "--seed", "1", "--steps", String(steps), "--validate-every", "1000000", "--threads", "1"]
    var alone: [Double] = [], spread: [Double] = [], shares: [Double] = []
    for _ in 0..<rounds {
        alone.append(try speed(of: try launch(executable.path, training)).samplesPerSecond)
        let two = try speed(of: try launch(mpirun, ["--oversubscribe", "-np", "2", executable.path] + training))
        spread.append(two.samplesPerSecond)
        shares.append(two.allReduceShare ?? .nan)
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    report("mpi_train_samples_per_s_1_rank", median(alone), decimals: 1)
    report("mpi_train_samples_per_s_2_ranks", median(spread), decimals: 1)
    report("mpi_train_scaling_2_ranks", median(spread) / median(alone))
    report("mpi_allreduce_share", median(shares))
}

/// The figures of `train`'s `speed:` line.
private func speed(of output: String) throws -> (samplesPerSecond: Double, allReduceShare: Double?) {
    guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("speed: ") }),
          let samples = Double(line.dropFirst("speed: ".count).prefix { $0 != " " }) else {
        throw BenchError("train printed no speed line:\n\(output)")
    }
    var share: Double?
    if let range = line.range(of: "ms a step, ", options: .backwards) {
        share = Double(line[range.upperBound...].prefix { $0 != "%" }).map { $0 / 100 }
    }
    return (samples, share)
}

/// Runs `executable arguments...` to the end with one BLAS thread (the figures are per core) and
/// returns its stdout; a failure is an error with its stderr.
private func launch(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process(), output = Pipe(), errors = Pipe()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_NUM_THREADS"] = "1"
    // Open MPI refuses to run as root unless told; CI containers are root.
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    process.environment = environment
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // stderr drained beside stdout, so a chatty run never blocks on a full pipe.
    let errorText = Captured(), group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errorText.data = errors.fileHandleForReading.readDataToEndOfFile() }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    group.wait()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(String(decoding: errorText.data.suffix(2000), as: UTF8.self))")
    }
    return text
}

/// Written by the reader, read after `group.wait()`, which orders the two.
private final class Captured: @unchecked Sendable {
    var data = Data()
}

private struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
