/// What a checkpoint holds besides the weights so that `train --resume` continues exactly where
/// the run stopped, as if it had never been interrupted: AdamW's step count and moment estimates
/// (without them a resumed run restarted the warm-up and the moments, a jolt to the weights), and
/// where the window sampler's and the trainer's random streams had got to.
public struct TrainingState {
    public var optimizerStep: Int
    /// By parameter name: AdamW's first and second moment estimates.
    public var moments: [String: (first: [Float], second: [Float])]
    public var samplerState: [UInt64]
    public var trainerState: [UInt64]

    public init(optimizerStep: Int, moments: [String: (first: [Float], second: [Float])], samplerState: [UInt64], trainerState: [UInt64]) {
        self.optimizerStep = optimizerStep
        self.moments = moments
        self.samplerState = samplerState
        self.trainerState = trainerState
    }

    /// The part stored as JSON in the model file's metadata.
    struct Counters: Codable {
        var optimizerStep: Int
        var samplerState: [UInt64]
        var trainerState: [UInt64]
    }
}
