import Foundation

extension ModelFile {
    /// A hash of everything that decides the model's outputs: its config, its codec and every
    /// weight, in a fixed order (not its notes, nor how a file lays the tensors out). The same for
    /// the shipped default model in every process and for a copy of any model file; different
    /// once calibration or training changes a single weight.
    public var fingerprint: String {
        var hash = ContentHash()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        hash.add((try? encoder.encode(network.config)).map { String(decoding: $0, as: UTF8.self) } ?? "")
        hash.add([codec.grid.frameWidth, codec.grid.frameHeight, codec.grid.patchSize])
        hash.add(codec.mean)
        hash.add(codec.basis)
        hash.add(codec.scale)
        for (name, tensor) in network.namedParameters {
            hash.add(name)
            hash.add(tensor.scalars)
        }
        return hash.hex
    }
}
