extension ModelFile {
    /// One line saying which model this is, so `ebtvid --version` can name the default model
    /// beyond its file name: kind, size, parameters, context, working size, where thinking starts,
    /// and how it was trained (from its notes).
    public var summary: String {
        let config = network.config
        let parameters = network.namedParameters.reduce(0) { $0 + $1.tensor.count }
        var parts = [config.kind == .ebt ? "EBT" : "Transformer++ baseline",
                     "width \(config.width), \(config.layers) layers, \(parameters.formatted(grouping: ",")) parameters",
                     "context \(config.context)"]
        if let side = config.workingLongSide { parts.append("working size \(side)") }
        if config.kind == .ebt {
            let start = [ThinkingStart.motion: "the motion guess", .lastFrame: "the last frame", .linear: "linear extrapolation", .noise: "noise"][config.start]!
            parts.append("\(config.thinkingSteps) thinking steps from \(start)")
        }
        if let steps = notes["steps"].flatMap(Int.init) { parts.append("\(steps.formatted(grouping: ",")) training steps") }
        if notes["calibration"] != nil { parts.append("calibrated") }
        return parts.joined(separator: ", ")
    }
}

private extension Int {
    /// 120340 as "120,340": no locale, the same on every machine.
    func formatted(grouping separator: String) -> String {
        let digits = String(Swift.abs(self))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += separator }
            grouped.append(digit)
        }
        return (self < 0 ? "-" : "") + grouped
    }
}
