import ArgumentParser

/// A `--size` value: `WxH`, or a single number for a square.
struct FrameSize: ExpressibleByArgument, Equatable {
    var width: Int
    var height: Int

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let width = Int(parts[0]), let height = Int(parts.last!) else { return nil }
        self.init(width: width, height: height)
    }

    static var defaultValueDescription: String { "WxH" }
}
