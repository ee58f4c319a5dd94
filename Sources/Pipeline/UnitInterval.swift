extension Float {
    /// This value clamped to 0...1, NaN as 0: drawing code turns the result into pixel counts and
    /// bytes, whose conversions trap on NaN, and a corrupt model's energies can overflow into it.
    var clampedToUnitInterval: Float { self > 0 ? Swift.min(self, 1) : 0 }
}
