import Foundation
import Pipeline

/// `train --log FILE`: one CSV row per step, the loss curve at full precision (the progress line
/// rounds it, and shows only every few seconds off a terminal).
enum TrainingLog {
    static let header = "step,loss,first_step_loss,last_step_loss,calibration_loss,landscape_loss,energy_gap,gradient_norm,elapsed_seconds,all_reduce_seconds\n"

    static func line(_ p: TrainingProgress) -> String {
        let s = p.stats
        return "\(p.step)," + [s.loss, s.firstStepLoss, s.lastStepLoss, s.calibrationLoss, s.landscapeLoss, s.energyGap, s.gradientNorm]
            .map { String(format: "%.9g", $0) }.joined(separator: ",") + String(format: ",%.6f,%.6f\n", p.elapsed, s.allReduceSeconds)
    }
}
