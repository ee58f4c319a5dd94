import Foundation

/// `make bench`: every figure is printed as one `name: value` line, and ratios against a peer
/// (OpenBLAS sgemm, the ffmpeg CLI) are measured inside the same run so machine load cancels out.
/// `ebtvid-bench NAME...` runs only the groups whose name is given; `EBTVID_BENCH_QUICK=1` makes
/// the model group a short look (one round of 3 steps) rather than its figures.
let groups: [(name: String, run: () throws -> Void)] = [
    ("decode", runDecodeBenchmarks),
    ("tensors", runTensorBenchmarks),
    ("model", runModelBenchmarks),
    ("overlay", runOverlayBenchmarks),
    ("mpi", runMPIBenchmarks),
    ("eval", runEvalBenchmarks),
]
/// Parts of a group, run only when named: `predict` is the model group's prediction figures.
let parts: [(name: String, run: () throws -> Void)] = [
    ("predict", runPredictionBenchmarks),
]
/// Workloads for profilers; they print no figures and run only when named.
let profiles: [(name: String, run: () throws -> Void)] = [
    ("profile-model", runModelProfile),
]

let wanted = Set(CommandLine.arguments.dropFirst())
for group in groups.filter({ wanted.isEmpty || wanted.contains($0.name) }) + (parts + profiles).filter({ wanted.contains($0.name) }) {
    do { try group.run() } catch {
        FileHandle.standardError.write("bench \(group.name) failed: \(error)\n".data(using: .utf8)!)
        exit(1)
    }
}

/// Prints one benchmark figure in the `name: value` format `make bench` promises.
func report(_ name: String, _ value: Double, decimals: Int = 3) {
    print("\(name): \(String(format: "%.\(decimals)f", value))")
    fflush(stdout)
}
