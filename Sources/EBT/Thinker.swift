import Tensors

/// Where thinking starts. The trial run in DESIGN.md found the most recent frame far better than
/// noise (the reference default), so that is ours; the others stay for comparison.
public enum ThinkingStart: String, Codable, CaseIterable, Sendable {
    /// ŷ⁰ for frame q is the observed frame q−1.
    case lastFrame
    /// ŷ⁰ ~ N(0, I), which in standardised embedding space is a random plausible-scale frame.
    case noise
    /// ŷ⁰ = 2·x_{q−1} − x_{q−2}: constant-velocity extrapolation in embedding space.
    case linear
    /// ŷ⁰ = the motion-compensated extrapolation of the last two frames' pixels (`FirstGuesses`):
    /// zero thinking steps is then already block matching, a guess that copes with motion.
    case motion
}

/// How one run of energy minimisation behaves.
public struct ThinkingOptions {
    public var steps: Int
    public var start: ThinkingStart
    /// Keep the graph through the steps so a loss on the trajectory trains the weights (exact
    /// second-order derivatives). Off at inference, where only ∇ŷE is needed.
    public var differentiable: Bool
    /// With `differentiable`, keep the graph of the last step only: cheaper, biased.
    public var truncated: Bool
    /// Stop early once the energy falls by less than this (relative) between steps; nil = never.
    public var tolerance: Float?

    public init(steps: Int, start: ThinkingStart = .lastFrame, differentiable: Bool = false, truncated: Bool = false,
                tolerance: Float? = nil) {
        self.steps = steps
        self.start = start
        self.differentiable = differentiable
        self.truncated = truncated
        self.tolerance = tolerance
    }
}

/// The trajectory of one thinking run.
public struct Thought {
    /// ŷ⁰ … ŷᴷ, each [batch, count, embedding].
    public var candidates: [Tensor]
    /// Per-patch energy terms at ŷ⁰ … ŷᴷ⁻¹ (at ŷᴷ too when the final energy was asked for).
    public var patchEnergies: [Tensor]
    /// The corrections Δ(x, ŷᵏ) at the same points, with their graph where the step kept one:
    /// training reads the bowl's centre ŷᵏ − Δᵏ along the trajectory (see `trainingLoss`).
    public var corrections: [Tensor] = []
    public var prediction: Tensor { candidates[candidates.count - 1] }
    /// Candidate energies [batch, count] at each evaluated step.
    public var energies: [Tensor] { patchEnergies.map { $0.sum(axis: -1) } }
}

/// Predicts by energy minimisation: ŷᵏ⁺¹ = ŷᵏ − α·∇ŷ E(x, ŷᵏ).
public struct Thinker {
    public var model: EnergyModel

    public init(model: EnergyModel) { self.model = model }

    /// The starting candidates for frames `positions` of a context.
    public func initialCandidates<G: RandomNumberGenerator>(_ start: ThinkingStart, positions: [Int], context: ObservedContext,
                                                            using generator: inout G) -> Tensor {
        let frames = context.frames.detached()
        switch start {
        case .lastFrame:
            return context.previousFrames(at: positions)
        case .noise:
            return Tensor.randn([frames.shape[0], positions.count, frames.shape[2]], using: &generator)
        case .linear, .motion:
            return context.anchors(at: positions, for: start)
        }
    }

    /// Runs the steps from `start` and, when `finalEnergy`, evaluates the energy at the result.
    public func think(from start: Tensor, at positions: [Int], context: ObservedContext, options: ThinkingOptions,
                      finalEnergy: Bool) -> Thought {
        think(from: start, at: positions, bands: [context], options: options, finalEnergy: finalEnergy)
    }

    /// `think` over a grid cut into bands (`PatchBands`): contexts of the same frames, one per band,
    /// each band's terms and gradient on its own core. Inference only: a differentiable run needs
    /// one graph, so it takes one context.
    func think(from start: Tensor, at positions: [Int], bands contexts: [ObservedContext], options: ThinkingOptions,
               finalEnergy: Bool) -> Thought {
        precondition(contexts.count == 1 || !options.differentiable, "differentiable thinking runs on one context")
        var candidate = start.requiringGradient()
        var thought = Thought(candidates: [candidate], patchEnergies: [])
        let alpha = model.stepSize
        var previousKept = true
        for step in 0..<options.steps {
            let keepsGraph = options.differentiable && (!options.truncated || step == options.steps - 1)
            // A step after one without a graph starts from a fresh leaf, as ∇ŷE needs one (truncated
            // thinking's last step once took no gradient at all for this reason).
            if !keepsGraph || !previousKept { candidate = candidate.detached().requiringGradient() }
            previousKept = keepsGraph
            let (terms, gradient) = termsAndGradient(candidate, at: positions, bands: contexts, keepsGraph: keepsGraph)
            let patchEnergies = terms.patchEnergies
            let next = keepsGraph ? candidate - alpha * gradient : withoutGradient { candidate.detached() - alpha.detached() * gradient }
            thought.patchEnergies.append(keepsGraph ? patchEnergies : patchEnergies.detached())
            thought.corrections.append(keepsGraph ? terms.correction : terms.correction.detached())
            thought.candidates.append(next)
            candidate = next
            if let tolerance = options.tolerance, thought.patchEnergies.count >= 2 {
                let energies = thought.energies
                let previous = energies[energies.count - 2].sum().item, current = energies[energies.count - 1].sum().item
                if previous - current <= tolerance * Swift.abs(previous) { break }
            }
        }
        if finalEnergy {
            let last = options.differentiable ? candidate : candidate.detached()
            let bands = PatchBands.concurrentMap(contexts) { model.patchEnergies(last, at: positions, context: $0) }
            thought.patchEnergies.append(bands.count == 1 ? bands[0] : concat(bands, axis: 2))
        }
        return thought
    }

    /// The energy's terms at `candidate` and ∇ŷE, summed over the bands.
    private func termsAndGradient(_ candidate: Tensor, at positions: [Int], bands contexts: [ObservedContext],
                                  keepsGraph: Bool) -> (EnergyTerms, Tensor) {
        if contexts.count == 1 {
            // A step that keeps its graph is differentiated again by the training loss.
            let terms = keepsGraph ? expectingHigherOrderGradients { model.evaluate(candidate, at: positions, context: contexts[0]) }
                                   : model.evaluate(candidate, at: positions, context: contexts[0])
            return (terms, grad(of: terms.patchEnergies.sum(), wrt: [candidate], createGraph: keepsGraph)[0])
        }
        let bands = PatchBands.concurrentMap(contexts) { context in
            let terms = model.evaluate(candidate, at: positions, context: context)
            return (terms.detached(), grad(of: terms.patchEnergies.sum(), wrt: [candidate])[0])
        }
        return (EnergyTerms(joining: bands.map(\.0)), withoutGradient { bands.dropFirst().reduce(bands[0].1) { $0 + $1.1 } })
    }

    /// Inference: thinks with the weights frozen (only ∇ŷE is needed, no graph through them) and
    /// evaluates the energy at the result, which is the prediction's uncertainty.
    public func infer(from start: Tensor, at positions: [Int], context: ObservedContext, options: ThinkingOptions) -> Thought {
        infer(from: start, at: positions, bands: [context], options: options)
    }

    /// `infer` over a grid cut into bands, one context per band (`PatchBands`).
    public func infer(from start: Tensor, at positions: [Int], bands contexts: [ObservedContext], options: ThinkingOptions) -> Thought {
        var options = options
        options.differentiable = false
        return withParametersFrozen {
            think(from: start, at: positions, bands: contexts, options: options, finalEnergy: true)
        }
    }
}
