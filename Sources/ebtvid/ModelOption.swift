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
        let file = try ModelFile(contentsOf: URL(fileURLWithPath: path))
        print(model == nil ? "model: default (\(path))" : "model: \(path)")
        return (file, path)
    }
}
