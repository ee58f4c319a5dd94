import EBT

/// The checks the requests of predict, overlay and eval share, phrased by the flag each value
/// comes from, so that one option reads and is bounded alike in every command.
enum RequestChecks {
    /// Why `value` of `flag` lies outside `range`, or nil.
    static func range(_ flag: String, _ value: Int, _ range: ClosedRange<Int>) -> String? {
        if range.contains(value) { return nil }
        return range.upperBound == Int.max ? "\(flag) must be \(range.lowerBound) or more, got \(value)"
            : "\(flag) must be between \(range.lowerBound) and \(range.upperBound), got \(value)"
    }

    /// Context frames asked for (nil: the model's, which its config bounds).
    static func context(_ context: Int?) -> String? {
        context.flatMap { range("--context", $0, 1...ModelConfig.maxContext) }
    }

    /// The fraction `--adaptive` stops thinking at.
    static func tolerance(_ tolerance: Float?) -> String? {
        guard let tolerance, !(tolerance >= 0 && tolerance < 1) else { return nil }
        return "--adaptive must be in [0, 1), got \(tolerance)"
    }
}
