/// How well a PSNR read from the energy (`ErrorScale`) agrees with the PSNR measured against the
/// real frames, over frames: the scale is only as meaningful as this shows it to be.
public struct PSNRAgreement: Codable, Equatable, Sendable {
    public var frames: Int
    /// Mean over frames of the PSNR from the energy, and of the measured PSNR, in dB.
    public var meanFromEnergy: Double
    public var meanMeasured: Double
    /// Mean of |from energy − measured| and of (from energy − measured), in dB: positive means
    /// the energy promised better than the frames got.
    public var meanAbsoluteDifference: Double
    public var meanDifference: Double

    enum CodingKeys: String, CodingKey {
        case frames
        case meanFromEnergy = "mean_from_energy_db"
        case meanMeasured = "mean_measured_db"
        case meanAbsoluteDifference = "mean_absolute_difference_db"
        case meanDifference = "mean_difference_db"
    }

    /// Nil without frames, or when the two lists do not pair up; frames whose values are not
    /// finite are left out.
    public init?(fromEnergy: [Double], measured: [Double]) {
        guard fromEnergy.count == measured.count else { return nil }
        let pairs = zip(fromEnergy, measured).filter { $0.0.isFinite && $0.1.isFinite }
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        frames = pairs.count
        meanFromEnergy = pairs.reduce(0) { $0 + $1.0 } / n
        meanMeasured = pairs.reduce(0) { $0 + $1.1 } / n
        meanAbsoluteDifference = pairs.reduce(0) { $0 + Swift.abs($1.0 - $1.1) } / n
        meanDifference = meanFromEnergy - meanMeasured
    }
}
