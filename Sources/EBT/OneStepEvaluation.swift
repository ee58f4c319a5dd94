import Tensors

/// One-step-ahead error on windows: every frame 1…S of each window predicted from the frames
/// before it, all at once (each candidate sees only its own past), against copying the last frame.
public enum OneStepEvaluation {
    public struct Errors: Sendable {
        /// Mean squared error per embedding value of the model's predictions.
        public var model: Float
        /// The same for copy-last-frame.
        public var copyLast: Float
        /// The same for linear extrapolation 2·x_t − x_{t−1} (copy-last for the first frame).
        public var linear: Float
        /// Mean energy of the EBT's predictions (nil for the baseline).
        public var energy: Float?
        /// The same MSE for the first guesses (the motion-compensated extrapolation), when given.
        public var guess: Float?

        public init(model: Float, copyLast: Float, linear: Float, energy: Float?, guess: Float? = nil) {
            self.model = model
            self.copyLast = copyLast
            self.linear = linear
            self.energy = energy
            self.guess = guess
        }
    }

    public static func errors(_ network: ModelFile.Network, windows: Tensor, guesses: Tensor? = nil, thinkingSteps: Int) -> Errors {
        let length = windows.shape[1] - 1
        let observed = windows.sliced(axis: 1, 0..<length), targets = windows.sliced(axis: 1, 1..<(length + 1))
        let copyLast = mseLoss(observed, targets).item
        let previous = concat([observed.sliced(axis: 1, 0..<1), observed.sliced(axis: 1, 0..<(length - 1))], axis: 1)
        let linear = mseLoss(observed * 2 - previous, targets).item
        let guessed = guesses?.sliced(axis: 1, 1..<(length + 1))
        let guess = guessed.map { mseLoss($0, targets).item }
        switch network {
        case .baseline(let model):
            var errors = Errors(model: withoutGradient { mseLoss(model(observed, guesses: guessed), targets).item }, copyLast: copyLast,
                                linear: linear, energy: nil)
            errors.guess = guess
            return errors
        case .ebt(let model):
            let positions = Array(1...length)
            let context = withoutGradient { model.observe(observed, guesses: guessed.map { FirstGuesses(positions: positions, values: $0) }) }
            let thinker = Thinker(model: model)
            var generator = SeededGenerator(seed: 0)
            let start = thinker.initialCandidates(model.config.start, positions: positions, context: context, using: &generator)
            let thought = thinker.infer(from: start, at: positions, context: context, options: ThinkingOptions(steps: thinkingSteps))
            var errors = Errors(model: mseLoss(thought.prediction.detached(), targets).item, copyLast: copyLast,
                                linear: linear, energy: thought.energies.last!.mean().item)
            errors.guess = guess
            return errors
        }
    }
}
