/// What is wrong with a model file, phrased for a one-line CLI error that names the file.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    case notFound(String)
    case corrupt(String, reason: String)
    case unsupportedVersion(String, found: String, supported: String)
    case missingTensor(String, name: String)
    case wrongShape(String, name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): model file not found"
        case .corrupt(let path, let reason): return "\(path): not a valid ebtvid model: \(reason)"
        case .unsupportedVersion(let path, let found, let supported):
            return "\(path): model format version \(found) is not supported (this ebtvid reads \(supported))"
        case .missingTensor(let path, let name): return "\(path): model is missing tensor '\(name)'"
        case .wrongShape(let path, let name, let expected, let found):
            return "\(path): tensor '\(name)' has shape \(found), expected \(expected)"
        }
    }
}
