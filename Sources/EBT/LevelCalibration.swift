import Tensors

/// Fits a trained EBT's level to the errors the model makes, in closed form: how much of the
/// state's trained read-out to keep, and the weights on `LevelFeatures`.
///
/// Why a separate fit: the level reads a stop-gradient copy of the state and constants of the
/// context, and only the calibration loss trains it, so in training it is an online least-squares
/// fit that never quite converges, and a model trained before the features existed has none.
/// Solving the least squares exactly on the model's own predictions takes seconds and touches
/// nothing thinking uses: predictions stay bit-identical, only energies change.
///
/// Per predicted frame and patch p the target is the error the bowl does not explain,
/// t = ½‖ŷ_p − y_p‖² − bowl_p, and the level is s·c_p(state) + φ_p·a, with c the trained read-out
/// (the energy head) and a shared by all patches: (s, a) minimise Σ (s·c_p + φ_p·a − t)².
/// Refitting the read-out's 8,000 weights by least squares instead was tried: it ranked held-out
/// per-patch errors worse (0.38 against 0.64 with no read-out at all).
public struct LevelCalibration {
    /// The read-out, then each feature.
    static let columns = 1 + LevelFeatures.count
    /// Σ uuᵀ and Σ u t over every (frame, patch), u = (c, φ), in Double.
    private var gram = [Double](repeating: 0, count: columns * columns)
    private var moment = [Double](repeating: 0, count: columns)
    public private(set) var rows = 0

    public init() {}

    /// Adds patches: the read-out [count], features [count, features] and targets [count].
    public mutating func add(readout: [Float], features: [Float], targets: [Float]) {
        let f = LevelFeatures.count, m = Self.columns
        precondition(features.count == targets.count * f && readout.count == targets.count)
        var u = [Double](repeating: 0, count: m)
        for n in targets.indices {
            u[0] = Double(readout[n])
            for j in 0..<f { u[1 + j] = Double(features[n * f + j]) }
            let t = Double(targets[n])
            for j in 0..<m {
                moment[j] += u[j] * t
                for k in 0..<m { gram[j * m + k] += u[j] * u[k] }
            }
        }
        rows += targets.count
    }

    /// The read-out's scale s and the feature weights a. Throws `NonFiniteOutput` when they are
    /// not finite numbers (errors or read-outs of a corrupt model far outside Float's range), so
    /// that no model full of NaN is written.
    public func solve() throws -> (readoutScale: Float, featureWeights: [Float]) {
        precondition(rows > 0, "calibration needs at least one patch")
        let m = Self.columns
        var g = gram
        // A column that never varied (say, every clip was still) gets weight zero, not a NaN.
        for j in 0..<m { g[j * m + j] += 1e-9 * Swift.max(g[j * m + j], 1) }
        let solution = Cholesky(g, size: m).solve(moment).map { Float($0) }
        try NonFiniteOutput.check(solution, "fitted energy level")
        return (solution[0], Array(solution[1...]))
    }
}

/// L·Lᵀ of a small symmetric positive-definite matrix.
struct Cholesky {
    let size: Int
    private var lower: [Double]

    init(_ matrix: [Double], size: Int) {
        self.size = size
        lower = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0...i {
                var sum = matrix[i * size + j]
                for k in 0..<j { sum -= lower[i * size + k] * lower[j * size + k] }
                lower[i * size + j] = i == j ? Swift.max(sum, 1e-300).squareRoot() : sum / lower[j * size + j]
            }
        }
    }

    func solve(_ b: [Double]) -> [Double] {
        var x = b
        for i in 0..<size {
            for k in 0..<i { x[i] -= lower[i * size + k] * x[k] }
            x[i] /= lower[i * size + i]
        }
        for i in stride(from: size - 1, through: 0, by: -1) {
            for k in (i + 1)..<size { x[i] -= lower[k * size + i] * x[k] }
            x[i] /= lower[i * size + i]
        }
        return x
    }
}

extension EnergyModel {
    /// The same model with its energy head's read-out scaled by `readoutScale` and the given
    /// level feature weights.
    public func withLevel(readoutScale: Float, featureWeights: [Float]) -> EnergyModel {
        var model = self
        model.energyHead.weight = (energyHead.weight.detached() * readoutScale).asParameter()
        if let bias = energyHead.bias { model.energyHead.bias = (bias.detached() * readoutScale).asParameter() }
        model.levelFeatureWeights = Tensor(shape: [LevelFeatures.count], scalars: featureWeights).asParameter()
        return model
    }
}
