/// The default model is not where it should be: a one-line message naming where we looked and
/// what to do instead.
public struct DefaultModelError: Error, CustomStringConvertible, Equatable {
    /// The paths that were tried, most likely first.
    public let searched: [String]

    public var description: String {
        let place = searched.first ?? "(the executable's location is unknown)"
        return "no default model found at \(place); pass --model"
    }
}
