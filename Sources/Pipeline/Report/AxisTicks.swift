import Foundation

/// Round tick values for a chart axis: steps of 1, 2 or 5 times a power of ten, spanning the data,
/// so a reader can read a point's value off the axis.
struct AxisTicks: Equatable {
    /// The ticks, from the first at or below the data's low end to the first at or above its high end.
    let values: [Double]
    let step: Double

    var low: Double { values.first! }
    var high: Double { values.last! }

    /// About `count` ticks covering `low...high`; a single value gets an interval around it.
    init(low: Double, high: Double, count: Int = 5) {
        var (low, high) = (Swift.min(low, high), Swift.max(low, high))
        if !low.isFinite || !high.isFinite { (low, high) = (0, 1) }
        if high - low < 1e-12 * Swift.max(Swift.abs(low), 1) {
            let margin = Swift.max(Swift.abs(low) * 0.1, 0.5)
            (low, high) = (low - margin, high + margin)
        }
        let raw = (high - low) / Double(Swift.max(count - 1, 1))
        let magnitude = pow(10, floor(log10(raw)))
        // The round step nearest the raw one, on a log scale (thresholds between 1, 2, 5 and 10).
        let ratio = raw / magnitude
        let step = (ratio < 1.5 ? 1 : ratio < 3 ? 2 : ratio < 7 ? 5 : 10) * magnitude
        let first = floor(low / step + 1e-9), last = ceil(high / step - 1e-9)
        values = stride(from: first, through: last, by: 1).map { $0 * step }
        self.step = step
    }

    /// A tick's label with as many decimals as the step needs (steps of 0.05: two).
    func label(_ value: Double) -> String {
        let decimals = Swift.max(0, Int(-floor(log10(step) + 1e-9)))
        let rounded = (value / step).rounded() * step
        return String(format: "%.\(decimals)f", rounded == 0 ? 0 : rounded)
    }
}
