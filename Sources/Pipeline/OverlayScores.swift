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
        /// Its energy above the energy of the model's prediction (`SurpriseScore.excess`).
        public var surpriseScore: Double
        public var outlier: Bool

        enum CodingKeys: String, CodingKey { case frame, energy, outlier, surpriseScore = "surprise_score" }
    }

    public var clip: String
    public var frames: [Frame]
    public var outliers: [Int]
    /// How a frame is judged an outlier, in words.
    public var outlierRule = "surprise score over \(String(format: "%g", SurpriseScore.outlierThreshold)) robust standard deviations "
        + "(1.4826 x the median absolute deviation) above the clip's median, judged from frame \(OverlayJob.firstJudgedFrame) on"

    enum CodingKeys: String, CodingKey { case clip, frames, outliers, outlierRule = "outlier_rule" }

    public init(clip: String, result: OverlayResult) {
        self.clip = clip
        let flagged = Set(result.outliers)
        frames = result.energies.indices.map { t in
            Frame(frame: t, energy: result.energies[t], surpriseScore: result.surpriseScores[t], outlier: flagged.contains(t))
        }
        outliers = result.outliers
    }

    /// Where the scores of the overlay video at `video` go: the same name with .csv and .json.
    public static func files(besides video: URL) -> (csv: URL, json: URL) {
        let stem = video.deletingPathExtension()
        return (stem.appendingPathExtension("csv"), stem.appendingPathExtension("json"))
    }

    public var csv: String {
        var lines = ["frame,energy,surprise_score,outlier"]
        for f in frames {
            lines.append("\(f.frame),\(String(format: "%.6g", f.energy)),\(String(format: "%.6g", f.surpriseScore)),\(f.outlier ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes both files beside `video`, each atomically (a temporary file renamed into place).
    public func write(besides video: URL) throws -> [URL] {
        let (csvFile, jsonFile) = Self.files(besides: video)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(self), to: jsonFile)
        try AtomicFile.write(Data(csv.utf8), to: csvFile)
        return [csvFile, jsonFile]
    }
}
