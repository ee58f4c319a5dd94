import Foundation

/// An error raised while writing into a temporary folder, retold with the final paths: the
/// hidden name means nothing to the user, who asked for the destination.
struct RelocatedError: Error, CustomStringConvertible, LocalizedError {
    let description: String
    var errorDescription: String? { description }

    /// Runs `body`, rethrowing its error with every mention of the path `hidden` replaced by `shown`.
    static func retelling<T>(hidden: String, as shown: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            if var error = FileSystemError(error) {
                error.path = error.path.replacingOccurrences(of: hidden, with: shown)
                throw error
            }
            throw RelocatedError(description: "\(error)".replacingOccurrences(of: hidden, with: shown))
        }
    }
}
