import Foundation

/// The learning rate as a function of the optimizer step: linear warm-up from 0 to `peak`, then a
/// half cosine down to `floor` at `totalSteps`, constant after. Warm-up keeps Adam's early,
/// poorly estimated second moments from taking huge steps.
public struct LearningRateSchedule {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var floor: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float = 0) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.floor = floor
    }

    /// A constant rate.
    public static func constant(_ rate: Float) -> LearningRateSchedule {
        LearningRateSchedule(peak: rate, warmupSteps: 0, totalSteps: 0, floor: rate)
    }

    /// The rate for step `step` (0-based).
    public func callAsFunction(_ step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step >= totalSteps { return floor }
        let progress = Double(step - warmupSteps) / Double(Swift.max(totalSteps - warmupSteps, 1))
        return floor + (peak - floor) * Float(0.5 * (1 + Foundation.cos(Double.pi * progress)))
    }
}
