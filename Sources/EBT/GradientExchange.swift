import Foundation
import Tensors

/// How the processes of a training run combine one step: every gradient, the batch statistics
/// and the caller's shared values laid end to end in one flat buffer, summed over the processes by
/// one all-reduce (one message per step, however many tensors the model has), and laid back.
enum GradientExchange {
    /// The statistics summed across processes: each process's are already weighted by its share.
    private static let statFields: [WritableKeyPath<TrainingStats, Float>] = [
        \.loss, \.firstStepLoss, \.lastStepLoss, \.calibrationLoss, \.landscapeLoss, \.energyGap,
    ]

    /// Replaces `gradients` (this process's, times `scale`) and `shared` by their sums over
    /// `group`, and returns `stats` summed likewise, with the time the all-reduce took.
    static func allReduce(_ gradients: inout [Tensor], stats: TrainingStats, scale: Float, shared: inout [Float],
                          over group: ProcessGroup) -> TrainingStats {
        let total = gradients.reduce(0) { $0 + $1.count }
        var buffer = [Float](repeating: 0, count: total + statFields.count + shared.count)
        buffer.withUnsafeMutableBufferPointer { flat in
            var offset = 0
            for gradient in gradients {
                gradient.withUnsafeBufferPointer { values in
                    for i in values.indices { flat[offset + i] = values[i] * scale }
                }
                offset += gradient.count
            }
        }
        for (i, field) in statFields.enumerated() { buffer[total + i] = stats[keyPath: field] }
        for (i, value) in shared.enumerated() { buffer[total + statFields.count + i] = value }
        let began = DispatchTime.now().uptimeNanoseconds
        group.allReduceSum(&buffer)
        var result = stats
        result.allReduceSeconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        buffer.withUnsafeBufferPointer { flat in
            var offset = 0
            for k in gradients.indices {
                let count = gradients[k].count
                gradients[k].withUnsafeMutableBufferPointer { values in
                    for i in values.indices { values[i] = flat[offset + i] }
                }
                offset += count
            }
        }
        for (i, field) in statFields.enumerated() { result[keyPath: field] = buffer[total + i] }
        for i in shared.indices { shared[i] = buffer[total + statFields.count + i] }
        return result
    }
}
