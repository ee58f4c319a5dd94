import ArgumentParser
import DefaultModel
import EBT
import Foundation

/// `--model`, shared by the commands that run a model: a file the user names, or the default
/// model that ships with ebtvid. Which one was used is printed, since results depend on it.
struct ModelOption: ParsableArguments {
    @Option(help: "Model file (.safetensors) from `ebtvid train` (default: the model that ships with ebtvid).")
    var model: String?

    /// Loads the chosen model, prints which it is, and returns it with its path.
    func load() throws -> (file: ModelFile, path: String) {
        let path = try model ?? DefaultModel.location().path
        let file = try Self.open(path)
        print(model == nil ? "model: default (\(path))" : "model: \(path)")
        return (file, path)
    }

    /// Loads the model file at `path`, noting on stderr when it has no checksums to verify it by.
    static func open(_ path: String) throws -> ModelFile {
        let file = try ModelFile(contentsOf: URL(fileURLWithPath: path))
        if file.loadedWithoutChecksums {
            Diagnostics.note("note: \(path) stores no checksums (it was written before ebtvid kept them), so its weights are not verified")
        }
        return file
    }
}
