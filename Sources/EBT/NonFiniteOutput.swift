/// A prediction holding a value that is not a finite number. A model file can hold only finite
/// values and still overflow when run (a huge step size, weights near the Float limit, a codec
/// whose codes explode), and NaN must not reach the pixels and integers made from predictions,
/// whose conversions trap. The predictor checks what goes in and what comes out, so a corrupt
/// model fails one clip with this error instead of the process.
public struct NonFiniteOutput: Error, CustomStringConvertible, Equatable {
    /// What went non-finite, as the message names it ("predicted frame", "energy", ...).
    public let quantity: String

    public init(_ quantity: String) { self.quantity = quantity }

    public var description: String {
        "the model's \(quantity) is not a finite number (its weights are likely corrupt)"
    }

    /// Throws when any of `values` is NaN or infinite.
    public static func check<C: Collection>(_ values: C, _ quantity: String) throws where C.Element == Float {
        guard values.allSatisfy(\.isFinite) else { throw NonFiniteOutput(quantity) }
    }
}

/// A result whose every value must be finite before anything is made from it.
protocol FiniteChecked {
    /// Each group of values with the name an error gives it.
    var namedValues: [(name: String, values: [Float])] { get }
}

extension FiniteChecked {
    /// The result itself, or the error naming the first group holding a value that is not finite.
    func checkedFinite() throws -> Self {
        for (name, values) in namedValues { try NonFiniteOutput.check(values, name) }
        return self
    }
}

extension FramePrediction: FiniteChecked {
    var namedValues: [(name: String, values: [Float])] {
        [("predicted frame", embedding), ("energy", energyTrace), ("per-patch energy", patchEnergies),
         ("spread across samples", patchSpread), ("per-patch shift", patchShift)]
    }
}

extension BatchPrediction: FiniteChecked {
    var namedValues: [(name: String, values: [Float])] {
        [("predicted frame", predictions.scalars), ("predicted frame", samplePredictions?.scalars ?? []), ("energy", energies),
         ("energy of the actual frame", surpriseEnergies), ("per-patch energy", patchEnergies),
         ("per-patch energy of the actual frame", surprisePatchEnergies), ("per-patch shift", patchShifts)]
    }
}
