#if EBTVID_MPI
import CMPI
#endif
import EBT
import Foundation

/// The processes `mpirun -np N ebtvid train` (or Slurm's `srun`) started: MPI is set up only
/// when a launcher says there are several, so a plain `ebtvid train` never touches it.
enum MPIProcesses {
    /// Whether this binary was built with Open MPI (`make setup-mpi` before building).
    #if EBTVID_MPI
    static let compiledIn = true
    #else
    static let compiledIn = false
    #endif

    /// How many processes the launcher started, from the variables Open MPI's mpirun and
    /// Slurm/PMI set: nil when none says.
    static var launched: Int? {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"].lazy.compactMap { environment[$0].flatMap(Int.init) }.first
            ?? (environment["PMIX_RANK"] != nil ? environment["SLURM_NTASKS"].flatMap(Int.init) : nil)
    }

    /// Why this process cannot train as one of those it was launched with, or nil.
    static var problem: String? {
        guard let count = launched, count > 1, !compiledIn else { return nil }
        return "launched as one of \(count) MPI processes, but this ebtvid was built without MPI: run `make setup-mpi`, build again, and relaunch"
    }

    /// Whether MPI was set up, so `finish` and `abort` know to reach it.
    nonisolated(unsafe) private static var started = false

    /// The group this process trains in: MPI's world when launched as several, else alone.
    static func group() throws -> ProcessGroup {
        if let problem { throw TrainCommandError(problem) }
        guard let count = launched, count > 1 else { return .single }
        #if EBTVID_MPI
        guard ebt_mpi_init() == 0 else { throw TrainCommandError("MPI_Init failed for one of \(count) processes") }
        started = true
        return ProcessGroup(rank: Int(ebt_mpi_rank()), size: Int(ebt_mpi_size())) { buffer in
            precondition(buffer.count <= Int(Int32.max), "an all-reduce of \(buffer.count) values")
            // An MPI failure aborts the job (MPI's default error handler), so the code is not checked.
            _ = ebt_mpi_allreduce_sum_float(buffer.baseAddress, Int32(buffer.count))
        }
        #else
        return .single
        #endif
    }

    /// Ends MPI once training is over, so mpirun sees every process finish normally.
    static func finish() {
        #if EBTVID_MPI
        if started { _ = ebt_mpi_finalize(); started = false }
        #endif
    }

    /// Ends every process of the job with `code`: the others would otherwise wait forever in the
    /// next all-reduce for this one.
    static func abort(_ code: Int32) -> Never {
        #if EBTVID_MPI
        if started { ebt_mpi_abort(code) }
        #endif
        exit(code)
    }
}

/// A failure of `train` that is the run's setting, not its inputs: one line, exit 1.
struct TrainCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
