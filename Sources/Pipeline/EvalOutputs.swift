import Foundation
import PatchCodec

/// The batch's outputs, results.csv, summary.json and report.html, built from the clips' records:
/// the one definition an evaluation and `eval merge` of its shards both write with.
public enum EvalOutputs {
    public static func write(_ results: [ClipEvaluation], thinkSteps: Int, seconds: Double, errorScale: String?,
                             modelPath: String, grid: PatchGrid, to folder: URL) throws -> EvalSummary {
        let summary = try EvalSummary.write(results, thinkSteps: thinkSteps, seconds: seconds, errorScale: errorScale, to: folder)
        try EvalReport.write(summary: summary, results: results, modelPath: modelPath, grid: grid, to: folder)
        return summary
    }
}
