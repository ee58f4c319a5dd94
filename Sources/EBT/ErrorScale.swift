import Foundation
import PatchCodec

/// The energy on a scale a user can carry from clip to clip and model to model: the PSNR, in dB,
/// of the prediction the energy implies.
///
/// Why: an energy is a number in the model's own embedding space; its size depends on the model,
/// its codec and how many patches a frame has, so "uncertainty 2.8" means nothing on its own.
/// Calibrated (`ebtvid calibrate`), a patch's energy at the prediction estimates half that
/// patch's squared embedding error, and with the codec's one shared scale squared embedding
/// distance is proportional to squared pixel distance. So energy per patch maps to a pixel MSE,
/// and MSE to PSNR.
///
/// The map is a line in log space, log10 MSE = intercept + slope · log10(energy per patch): one
/// for the energy at the prediction (the **expected PSNR**, known before the frame is seen) and
/// one for the surprise excess E(x, y) − E(x, ŷ) (the **surprise PSNR**: the prediction's PSNR
/// as the model judges it once it sees the real frame). Calibration fits both by least squares on
/// the model's own predictions (`Fit`, kept in the model file). A model without a fit uses the
/// codec's own conversion for both: slope 1 and MSE = 255² · mean(scale²) · 2 · energy per patch
/// / (values per patch), the error within the codec's subspace, which leaves out what the codec
/// cannot represent and so reads high.
public struct ErrorScale: Equatable, Sendable {
    /// PSNR is capped here, as Pipeline's `PSNR.cap`: a perfect prediction reads as a large number.
    public static let psnrCap = 100.0

    /// log10 MSE = intercept + slope · log10(energy per patch).
    public struct Line: Codable, Equatable, Sendable {
        public var intercept: Double
        public var slope: Double
        /// Root mean square, over the frames fitted, of the fitted PSNR's error in dB (0 for the codec's conversion).
        public var residualDecibels: Double
        /// Frames the line was fitted on (0 for the codec's conversion).
        public var frames: Int

        public init(intercept: Double, slope: Double, residualDecibels: Double = 0, frames: Int = 0) {
            self.intercept = intercept
            self.slope = slope
            self.residualDecibels = residualDecibels
            self.frames = frames
        }

        enum CodingKeys: String, CodingKey { case intercept, slope, frames, residualDecibels = "residual_db" }

        /// Energies at or below this (a level can dip under zero) read as the cap.
        static let smallestEnergy = 1e-12

        /// The pixel MSE (0...255 scale) this energy per patch stands for.
        public func meanSquaredError(energyPerPatch: Double) -> Double {
            pow(10, intercept + slope * log10(Swift.max(energyPerPatch, Self.smallestEnergy)))
        }

        /// The PSNR in dB this energy per patch stands for, capped at `psnrCap`; NaN stays NaN.
        public func psnr(energyPerPatch: Double) -> Double {
            guard !energyPerPatch.isNaN else { return .nan }
            let db = 20 * log10(255.0) - 10 * (intercept + slope * log10(Swift.max(energyPerPatch, Self.smallestEnergy)))
            return Swift.min(ErrorScale.psnrCap, db)
        }

        /// Whether it can serve as a scale: finite numbers, and more energy meaning more error.
        var isUsable: Bool { intercept.isFinite && slope.isFinite && residualDecibels.isFinite && slope > 0 && slope <= 10 && frames >= 0 }

        /// The least-squares line of log10 MSE on log10 energy per patch, or nil when the points
        /// cannot make a usable one (fewer than three, no spread in energy, or a slope that does
        /// not rise). Energies and errors at or below zero are left out.
        public static func fit(energyPerPatch: [Double], meanSquaredError: [Double]) -> Line? {
            let points = zip(energyPerPatch, meanSquaredError).filter { $0.0 > 0 && $0.1 > 0 && $0.0.isFinite && $0.1.isFinite }
                .map { (log10($0.0), log10($0.1)) }
            guard points.count >= 3 else { return nil }
            let n = Double(points.count)
            let meanX = points.reduce(0) { $0 + $1.0 } / n, meanY = points.reduce(0) { $0 + $1.1 } / n
            let sxx = points.reduce(0) { $0 + ($1.0 - meanX) * ($1.0 - meanX) }
            let sxy = points.reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
            guard sxx > 1e-12 else { return nil }
            let slope = sxy / sxx, intercept = meanY - slope * meanX
            let squared = points.reduce(0) { $0 + pow(10 * ($1.1 - intercept - slope * $1.0), 2) }
            let line = Line(intercept: intercept, slope: slope, residualDecibels: (squared / n).squareRoot(), frames: points.count)
            return line.isUsable ? line : nil
        }
    }

    /// The lines calibration fitted, as the model file keeps them.
    public struct Fit: Codable, Equatable, Sendable {
        public var expected: Line
        public var seen: Line

        public init(expected: Line, seen: Line) {
            self.expected = expected
            self.seen = seen
        }

        /// Why these lines cannot serve as a scale, or nil.
        public var problem: String? {
            for (name, line) in [("expected", expected), ("seen", seen)] where !line.isUsable {
                return "its \(name) line is not a scale (intercept \(line.intercept), slope \(line.slope))"
            }
            return nil
        }
    }

    /// Maps the energy at the prediction to the expected PSNR.
    public let expected: Line
    /// Maps the surprise excess to the surprise PSNR.
    public let seen: Line
    /// Whether the lines were fitted at calibration (otherwise they are the codec's conversion).
    public let isFitted: Bool

    public init(codec: PatchCodec, fit: Fit?) {
        if let fit, fit.problem == nil {
            (expected, seen, isFitted) = (fit.expected, fit.seen, true)
        } else {
            let codecLine = Self.codecConversion(codec)
            (expected, seen, isFitted) = (codecLine, codecLine, false)
        }
    }

    /// The codec's own conversion: embedding error within its subspace as pixel MSE.
    public static func codecConversion(_ codec: PatchCodec) -> Line {
        let meanSquaredScale = codec.scale.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(codec.scale.count)
        let gain = 255.0 * 255.0 * meanSquaredScale * 2 / Double(codec.grid.patchDimension)
        return Line(intercept: log10(gain), slope: 1)
    }

    /// The expected PSNR (dB) of a prediction whose energy over `patches` patches is `energy`.
    public func expectedPSNR(energy: Double, patches: Int) -> Double {
        expected.psnr(energyPerPatch: energy / Double(Swift.max(patches, 1)))
    }

    /// The surprise PSNR (dB): the prediction's PSNR as the model judges it from the surprise
    /// excess E(x, y) − E(x, ŷ) over `patches` patches. Low when the real frame surprised it.
    public func surprisePSNR(excess: Double, patches: Int) -> Double {
        seen.psnr(energyPerPatch: excess / Double(Swift.max(patches, 1)))
    }

    /// How the scale was made, in words, for files and printouts.
    public var origin: String {
        isFitted ? String(format: "fitted at calibration on %d frames (expected: rms error %.1f dB; surprise: %.1f dB)",
                          expected.frames, expected.residualDecibels, seen.residualDecibels)
                 : "the codec's conversion (the model has no calibrated scale; reads high)"
    }
}
