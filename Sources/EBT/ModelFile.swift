import Foundation
import PatchCodec
import Tensors

/// A trained model as one file: the network's weights, the patch codec that defines its embedding
/// space, and the config, all in a safetensors file Python can open. The codec travels with the
/// weights because a model is meaningless in any other embedding space.
public struct ModelFile {
    public static let format = "ebtvid-model"
    public static let version = "1"

    public enum Network {
        case ebt(EnergyModel)
        case baseline(BaselineModel)

        public var config: ModelConfig {
            switch self {
            case .ebt(let model): return model.config
            case .baseline(let model): return model.config
            }
        }

        var namedParameters: [(name: String, tensor: Tensor)] {
            switch self {
            case .ebt(let model): return model.namedParameters
            case .baseline(let model): return model.namedParameters
            }
        }
    }

    public var network: Network
    public var codec: PatchCodec
    /// Free-form facts about how the model was made (data, steps, seconds, seed), kept as strings.
    public var notes: [String: String]
    /// A checkpoint's optimiser and random-stream state, for `train --resume`; nil in a finished
    /// model (calibration drops it).
    public var training: TrainingState?
    /// Whether the file it was read from stored no checksums, so its weights are unverified.
    public var loadedWithoutChecksums = false
    /// The energy-to-PSNR lines calibration fitted (metadata `error_scale`); nil in a model never
    /// calibrated, whose `errorScale` falls back to the codec's conversion.
    public var errorScaleFit: ErrorScale.Fit?

    /// The user-facing scale of this model's energies (`ErrorScale`).
    public var errorScale: ErrorScale { ErrorScale(codec: codec, fit: errorScaleFit) }

    public init(network: Network, codec: PatchCodec, notes: [String: String] = [:], training: TrainingState? = nil) {
        self.network = network
        self.codec = codec
        self.notes = notes
        self.training = training
    }

    struct CodecGeometry: Codable { var frameWidth: Int; var frameHeight: Int; var patchSize: Int }

    public func safetensors() throws -> SafetensorsFile {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let geometry = CodecGeometry(frameWidth: codec.grid.frameWidth, frameHeight: codec.grid.frameHeight, patchSize: codec.grid.patchSize)
        var metadata = notes.reduce(into: [String: String]()) { $0["note." + $1.key] = $1.value }
        metadata["format"] = Self.format
        metadata["version"] = Self.version
        metadata["config"] = String(decoding: try encoder.encode(network.config), as: UTF8.self)
        metadata["codec"] = String(decoding: try encoder.encode(geometry), as: UTF8.self)
        if let errorScaleFit { metadata["error_scale"] = String(decoding: try encoder.encode(errorScaleFit), as: UTF8.self) }
        var file = SafetensorsFile(metadata: metadata)
        for (name, tensor) in network.namedParameters {
            file.entries["model." + name] = .init(shape: tensor.shape, values: tensor.scalars)
        }
        let d = codec.grid.patchDimension, k = codec.components
        file.entries["codec.mean"] = .init(shape: [d], values: codec.mean)
        file.entries["codec.basis"] = .init(shape: [d, k], values: codec.basis)
        file.entries["codec.scale"] = .init(shape: [k], values: codec.scale)
        if let training {
            let counters = TrainingState.Counters(optimizerStep: training.optimizerStep, samplerState: training.samplerState,
                                                  trainerState: training.trainerState)
            file.metadata["training_state"] = String(decoding: try encoder.encode(counters), as: UTF8.self)
            for (name, tensor) in network.namedParameters {
                guard let moments = training.moments[name] else { continue }
                file.entries["optimizer.first." + name] = .init(shape: tensor.shape, values: moments.first)
                file.entries["optimizer.second." + name] = .init(shape: tensor.shape, values: moments.second)
            }
        }
        return file
    }

    /// Saves atomically (temp file, then rename).
    public func write(to url: URL) throws { try safetensors().write(to: url) }

    public init(contentsOf url: URL) throws {
        try self.init(file: try SafetensorsFile(contentsOf: url), path: url.path)
    }

    /// Checks the format, version, config and every tensor's presence and shape before building.
    public init(file: SafetensorsFile, path: String) throws {
        func corrupt(_ why: String) -> ModelFileError { .corrupt(path, reason: why) }
        guard file.metadata["format"] == Self.format else { throw corrupt("metadata does not say format \(Self.format) (not an ebtvid model?)") }
        guard let version = file.metadata["version"] else { throw corrupt("no format version in metadata") }
        guard version == Self.version else { throw ModelFileError.unsupportedVersion(path, found: version, supported: Self.version) }
        let decoder = JSONDecoder()
        guard let configText = file.metadata["config"], let config = try? decoder.decode(ModelConfig.self, from: Data(configText.utf8)) else {
            throw corrupt("missing or unreadable model config")
        }
        if let problem = config.problem { throw corrupt("config is invalid: \(problem)") }
        let storedWeights = file.entries.reduce(0) { $0 + ($1.key.hasPrefix("model.") ? $1.value.values.count : 0) }
        guard config.minimumWeightCount <= storedWeights else {
            throw corrupt("config asks for \(config.layers) layers of width \(config.width) and hidden size \(config.hiddenSize), more weights than the file's \(storedWeights) hold")
        }
        guard let geometryText = file.metadata["codec"], let geometry = try? decoder.decode(CodecGeometry.self, from: Data(geometryText.utf8)) else {
            throw corrupt("missing or unreadable codec geometry")
        }
        let grid: PatchGrid
        do { grid = try PatchGrid(frameWidth: geometry.frameWidth, frameHeight: geometry.frameHeight, patchSize: geometry.patchSize) }
        catch { throw corrupt("\(error)") }
        let components = config.embeddingSize / max(config.patchCount, 1)
        guard grid.patchCount == config.patchCount else { throw corrupt("codec has \(grid.patchCount) patches, model expects \(config.patchCount)") }
        let d = grid.patchDimension
        do {
            codec = try PatchCodec(grid: grid, mean: try file.entry("codec.mean", shape: [d], path: path).values,
                                   basis: try file.entry("codec.basis", shape: [d, components], path: path).values,
                                   scale: try file.entry("codec.scale", shape: [components], path: path).values)
        } catch let error as PatchCodecError { throw corrupt("\(error)") }

        // Build a model of the stored shape, then replace every parameter with the stored one.
        var generator = SeededGenerator(seed: 0)
        var network: Network = config.kind == .ebt ? .ebt(EnergyModel(config, using: &generator)) : .baseline(BaselineModel(config, using: &generator))
        var loaded: [String: Tensor] = [:]
        for (name, tensor) in network.namedParameters {
            if EnergyModel.optionalParameters.contains(name) && file.entries["model." + name] == nil { continue }
            let entry = try file.entry("model." + name, shape: tensor.shape, path: path)
            guard entry.values.allSatisfy(\.isFinite) else { throw corrupt("tensor 'model.\(name)' holds non-finite values") }
            loaded[name] = Tensor(shape: entry.shape, scalars: entry.values)
        }
        switch network {
        case .ebt(var model): try model.loadParameters(loaded); network = .ebt(model)
        case .baseline(var model): try model.loadParameters(loaded); network = .baseline(model)
        }
        self.network = network
        if let text = file.metadata["training_state"] {
            guard let counters = try? decoder.decode(TrainingState.Counters.self, from: Data(text.utf8)),
                  SeededGenerator(stateWords: counters.samplerState) != nil, SeededGenerator(stateWords: counters.trainerState) != nil,
                  counters.optimizerStep >= 0 else {
                throw corrupt("unreadable training state")
            }
            var moments: [String: (first: [Float], second: [Float])] = [:]
            for (name, tensor) in network.namedParameters where file.entries["optimizer.first." + name] != nil {
                let first = try file.entry("optimizer.first." + name, shape: tensor.shape, path: path).values
                let second = try file.entry("optimizer.second." + name, shape: tensor.shape, path: path).values
                guard first.allSatisfy(\.isFinite), second.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                    throw corrupt("optimizer moments of '\(name)' are not finite")
                }
                moments[name] = (first, second)
            }
            training = TrainingState(optimizerStep: counters.optimizerStep, moments: moments,
                                     samplerState: counters.samplerState, trainerState: counters.trainerState)
        }
        if let text = file.metadata["error_scale"] {
            guard let fit = try? decoder.decode(ErrorScale.Fit.self, from: Data(text.utf8)) else { throw corrupt("unreadable error scale") }
            if let problem = fit.problem { throw corrupt("error scale: \(problem)") }
            errorScaleFit = fit
        }
        notes = file.metadata.reduce(into: [:]) { if $1.key.hasPrefix("note.") { $0[String($1.key.dropFirst(5))] = $1.value } }
        loadedWithoutChecksums = file.loadedWithoutChecksums
    }
}
