import FileSystem
import Foundation

/// The numbers behind an overlay video, beside it as NAME.csv and NAME.json (overlay.mp4 →
/// overlay.csv, overlay.json), so the scores the video draws can be read, plotted or checked
/// without decoding pictures: per frame its energy, its surprise score and whether it is an
/// outlier, and the outlier list.
public struct OverlayScores: Codable, Equatable {
    public struct Frame: Codable, Equatable {
        public var frame: Int
        /// The sum of the frame's patch energies given the frames before it (0 for the first).
        public var energy: Float
        /// Its energy above the energy of the model's prediction (`SurpriseScore.excess`): the
        /// score outliers are judged on.
        public var surpriseScore: Double
        /// The same on the PSNR scale (`ErrorScale`, dB; nil for the first frame): the PSNR the
        /// energy of the model's prediction stands for, the PSNR its surprise score stands for,
        /// and how far the second fell below the first.
        public var expectedPSNR: Double?
        public var surprisePSNR: Double?
        public var belowExpected: Double?
        public var outlier: Bool
        /// Whether it starts a new shot (`SceneCuts`).
        public var cut: Bool

        enum CodingKeys: String, CodingKey {
            case frame, energy, outlier, cut
            case surpriseScore = "surprise_score"
            case expectedPSNR = "expected_psnr_db"
            case surprisePSNR = "surprise_psnr_db"
            case belowExpected = "below_expected_db"
        }
    }

    public var clip: String
    public var frames: [Frame]
    public var outliers: [Int]
    /// The frames that start a new shot.
    public var cuts: [Int]
    /// How the PSNR scale was made (`ErrorScale.origin`).
    public var errorScale: String
    /// How a frame is judged an outlier, in words.
    public var outlierRule = "surprise score over \(String(format: "%g", SurpriseScore.outlierThreshold)) robust standard deviations "
        + "(1.4826 x the median absolute deviation) above the clip's median, judged from frame \(OverlayJob.firstJudgedFrame) on"

    enum CodingKeys: String, CodingKey { case clip, frames, outliers, cuts, errorScale = "error_scale", outlierRule = "outlier_rule" }

    public init(clip: String, result: OverlayResult, errorScale: String) {
        self.clip = clip
        self.errorScale = errorScale
        let flagged = Set(result.outliers), cutSet = Set(result.sceneCuts)
        func finite(_ values: [Double], _ t: Int) -> Double? { t < values.count && values[t].isFinite ? values[t] : nil }
        frames = result.energies.indices.map { t in
            let (expected, surprise) = (finite(result.expectedPSNR, t), finite(result.surprisePSNR, t))
            return Frame(frame: t, energy: result.energies[t], surpriseScore: result.surpriseScores[t], expectedPSNR: expected,
                         surprisePSNR: surprise, belowExpected: expected.flatMap { e in surprise.map { e - $0 } }, outlier: flagged.contains(t),
                         cut: cutSet.contains(t))
        }
        outliers = result.outliers
        cuts = result.sceneCuts
    }

    /// Where the scores of the overlay video at `video` go: the same name with .csv and .json.
    public static func files(besides video: URL) -> (csv: URL, json: URL) {
        let stem = video.deletingPathExtension()
        return (stem.appendingPathExtension("csv"), stem.appendingPathExtension("json"))
    }

    public var csv: String {
        func cell(_ value: Double?) -> String { value.map { String(format: "%.6g", $0) } ?? "" }
        var lines = ["frame,energy,surprise_score,expected_psnr_db,surprise_psnr_db,below_expected_db,outlier,cut"]
        for f in frames {
            lines.append([String(f.frame), String(format: "%.6g", f.energy), cell(f.surpriseScore), cell(f.expectedPSNR), cell(f.surprisePSNR),
                          cell(f.belowExpected), f.outlier ? "1" : "0", f.cut ? "1" : "0"].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes both files beside `video`, each atomically (a temporary file renamed into place);
    /// overlay writes them, with the video, into one `AtomicFileSet`.
    public func write(besides video: URL) throws -> [URL] {
        let (csvFile, jsonFile) = Self.files(besides: video)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(self), to: jsonFile)
        try AtomicFile.write(Data(csv.utf8), to: csvFile)
        return [csvFile, jsonFile]
    }
}
