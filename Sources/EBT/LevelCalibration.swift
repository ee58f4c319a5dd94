import Tensors

/// Fits a trained EBT's level to the errors the model makes, in closed form: the weights on
/// `LevelFeatures`.
///
/// Why a separate fit: only the calibration loss trains the level, so in training it is an online
/// least-squares fit that never quite converges, and a model trained before today's level has
/// none. Solving the least squares exactly on the model's own predictions takes seconds and
/// touches nothing thinking uses: predictions stay bit-identical, only energies change.
///
/// Per predicted frame and patch p the target is the error the bowl does not explain,
/// t = ½‖ŷ_p − y_p‖² − bowl_p, and the level is φ_p·a with a shared by all patches: a minimises
/// Σ (φ_p·a − t)².
public struct LevelCalibration {
    static let columns = LevelFeatures.count
    /// Σ φφᵀ and Σ φ t over every (frame, patch), in Double.
    private var gram = [Double](repeating: 0, count: columns * columns)
    private var moment = [Double](repeating: 0, count: columns)
    public private(set) var rows = 0

    public init() {}

    /// Adds patches: features [count, features] and targets [count].
    public mutating func add(features: [Float], targets: [Float]) {
        let m = Self.columns
        precondition(features.count == targets.count * m)
        for n in targets.indices {
            let u = (0..<m).map { Double(features[n * m + $0]) }, t = Double(targets[n])
            for j in 0..<m {
                moment[j] += u[j] * t
                for k in 0..<m { gram[j * m + k] += u[j] * u[k] }
            }
        }
        rows += targets.count
    }

    /// The feature weights a. Throws `NonFiniteOutput` when they are not finite numbers (errors of
    /// a corrupt model far outside Float's range), so that no model full of NaN is written.
    public func solve() throws -> [Float] {
        precondition(rows > 0, "calibration needs at least one patch")
        let m = Self.columns
        var g = gram
        // A column that never varied (say, every clip was still) gets weight zero, not a NaN.
        for j in 0..<m { g[j * m + j] += 1e-9 * Swift.max(g[j * m + j], 1) }
        let solution = Cholesky(g, size: m).solve(moment).map { Float($0) }
        try NonFiniteOutput.check(solution, "fitted energy level")
        return solution
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
    /// The same model with the given level weights.
    public func withLevel(_ weights: [Float]) -> EnergyModel {
        var model = self
        model.levelWeights = Tensor(shape: [LevelFeatures.count], scalars: weights).asParameter()
        return model
    }
}
