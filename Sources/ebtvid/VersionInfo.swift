import DefaultModel
import EBT
import Foundation

/// What `ebtvid --version` prints: the version, the git revision it was built from, and which
/// default model it runs without --model.
enum VersionInfo {
    static let number = "0.1.0"

    /// The revision `make` baked in (see `BakedRevision`), else "unknown".
    static var revision: String {
        ((VersionInfo.self as Any) as? BakedRevision.Type)?.bakedRevision ?? "unknown"
    }

    /// Three lines: the version and revision, the default model (or why there is none, which
    /// is not an error here: the version is still known), and whether training can use MPI.
    static var lines: [String] {
        var lines = ["ebtvid \(number) (git \(revision))"]
        do {
            let location = try DefaultModel.location()
            do {
                let model = try ModelFile(contentsOf: location)
                lines.append("default model: \(location.lastPathComponent) (\(model.summary)) at \(location.path)")
            } catch {
                lines.append("default model: \(location.path) does not load: \(error)")
            }
        } catch {
            lines.append("default model: none (\(error))")
        }
        lines.append(MPIProcesses.compiledIn ? "MPI: built with Open MPI (mpirun -np N ebtvid train)" : "MPI: not built in (make setup-mpi, then build again)")
        return lines
    }
}
