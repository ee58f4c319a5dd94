import FileSystem
import Foundation

/// The batch's totals (summary.json) and its table (results.csv), built from every clip's record.
public struct EvalSummary: Codable {
    public var clips: Int
    public var failed: Int
    public var frames: Int
    public var model: Quality?
    public var copyLast: Quality?
    public var linear: Quality?
    public var motion: Quality?
    public var baseline: Quality?
    /// Spearman correlation of final energy with pixel MSE, over all evaluated frames pooled; and
    /// the mean of each clip's own, which the pooled one can hide (clips' levels differ).
    public var energyErrorSpearman: Double?
    public var energyErrorSpearmanWithinClips: Double?
    /// AUROC of the surprise score (see ClipEvaluation.surpriseScores) for the sidecars' surprise
    /// frames, pooled over all clips; and the mean of each clip's own AUROC (clips with surprises),
    /// which is what a per-clip outlier marker like overlay's faces.
    public var surpriseAUROC: Double?
    public var surpriseAUROCWithinClips: Double?
    /// The same for the frame difference, a score needing no model.
    public var frameDifferenceAUROC: Double?
    public var frameDifferenceAUROCWithinClips: Double?
    /// Means over clips of the per-clip per-patch Spearman correlations (see ClipEvaluation).
    public var patchUncertaintySpearman: Double?
    public var patchSurpriseSpearman: Double?
    public var patchShiftSpearman: Double?
    public var patchMotionSpearman: Double?
    /// The energies on the user-facing scale against the measured one-step PSNR, pooled over
    /// frames: the expected PSNR (from the energy at the prediction) and the surprise PSNR (from
    /// the real frame's excess), and how the scale was made (`ErrorScale.origin`).
    public var expectedPSNR: PSNRAgreement?
    public var surprisePSNR: PSNRAgreement?
    public var errorScale: String?
    /// Evaluated frames that start a new shot (`SceneCuts`): they are in every figure above, and
    /// the model's and copy-last's one-step PSNR over the frames without them stand here.
    public var cutFrames: Int
    public var cutFramesIncluded = true
    public var modelPSNRWithoutCuts: Double?
    public var copyLastPSNRWithoutCuts: Double?
    public var thinkSteps: Int
    public var seconds: Double
    public var horizonPSNR: [Double]
    public var horizonPSNRCopyLast: [Double]
    public var horizonPSNRMotion: [Double]

    enum CodingKeys: String, CodingKey {
        case clips, failed, frames, model, linear, motion, baseline, seconds
        case copyLast = "copy_last"
        case energyErrorSpearman = "energy_error_spearman"
        case energyErrorSpearmanWithinClips = "energy_error_spearman_within_clips"
        case frameDifferenceAUROC = "frame_difference_auroc"
        case surpriseAUROC = "surprise_auroc"
        case surpriseAUROCWithinClips = "surprise_auroc_within_clips"
        case frameDifferenceAUROCWithinClips = "frame_difference_auroc_within_clips"
        case thinkSteps = "think_steps"
        case expectedPSNR = "expected_psnr"
        case surprisePSNR = "surprise_psnr"
        case errorScale = "error_scale"
        case cutFrames = "cut_frames"
        case cutFramesIncluded = "cut_frames_included"
        case modelPSNRWithoutCuts = "model_psnr_without_cuts"
        case copyLastPSNRWithoutCuts = "copy_last_psnr_without_cuts"
        case patchUncertaintySpearman = "patch_uncertainty_spearman"
        case patchSurpriseSpearman = "patch_surprise_spearman"
        case patchShiftSpearman = "patch_shift_spearman"
        case patchMotionSpearman = "patch_motion_spearman"
        case horizonPSNR = "horizon_psnr"
        case horizonPSNRCopyLast = "horizon_psnr_copy_last"
        case horizonPSNRMotion = "horizon_psnr_motion"
    }

    public init(_ results: [ClipEvaluation], thinkSteps: Int, seconds: Double, errorScale: String? = nil) {
        let done = results.filter { $0.error == nil && $0.frames > 0 }
        clips = results.count
        failed = results.count - done.count
        frames = done.reduce(0) { $0 + $1.frames }
        let total = Double(max(frames, 1))
        func pooled(_ pick: (ClipEvaluation) -> Quality?) -> Quality? {
            let parts = done.compactMap { clip in pick(clip).map { (clip.frames, $0) } }
            guard !parts.isEmpty else { return nil }
            func mean(_ value: (Quality) -> Double) -> Double { parts.reduce(0) { $0 + Double($1.0) * value($1.1) } / total }
            return Quality(psnr: mean(\.psnr), ssim: mean(\.ssim), mse: mean(\.mse), embeddingMSE: mean(\.embeddingMSE))
        }
        model = pooled(\.model)
        copyLast = pooled(\.copyLast)
        linear = pooled(\.linear)
        motion = pooled(\.motion)
        baseline = pooled(\.baseline)
        let energies = done.flatMap(\.energies).map(Double.init), errors = done.filter { !$0.energies.isEmpty }.flatMap(\.errors)
        energyErrorSpearman = energies.count == errors.count ? RankStatistics.spearman(energies, errors) : nil
        let surpriseScores = done.flatMap(\.surpriseScores)
        let surpriseFlags = done.filter { !$0.surpriseScores.isEmpty }.flatMap(\.surprises)
        surpriseAUROC = surpriseScores.count == surpriseFlags.count ? RankStatistics.auroc(scores: surpriseScores, positives: surpriseFlags) : nil
        let differenced = done.filter { $0.frameDifferences.count == $0.surprises.count }
        frameDifferenceAUROC = differenced.isEmpty ? nil
            : RankStatistics.auroc(scores: differenced.flatMap(\.frameDifferences), positives: differenced.flatMap(\.surprises))
        func meanOverClips(_ pick: (ClipEvaluation) -> Double?) -> Double? {
            let values = done.compactMap(pick).filter(\.isFinite)
            return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        }
        patchUncertaintySpearman = meanOverClips(\.patchUncertaintySpearman)
        patchSurpriseSpearman = meanOverClips(\.patchSurpriseSpearman)
        patchShiftSpearman = meanOverClips(\.patchShiftSpearman)
        patchMotionSpearman = meanOverClips(\.patchMotionSpearman)
        surpriseAUROCWithinClips = meanOverClips(\.surpriseAUROC)
        energyErrorSpearmanWithinClips = meanOverClips(\.energyErrorSpearman)
        frameDifferenceAUROCWithinClips = meanOverClips(\.frameDifferenceAUROC)
        let scaled = done.filter { $0.expectedPSNR.count == $0.errors.count && $0.surprisePSNR.count == $0.errors.count }
        let measured = scaled.flatMap(\.errors).map(PSNR.fromMSE)
        expectedPSNR = PSNRAgreement(fromEnergy: scaled.flatMap(\.expectedPSNR), measured: measured)
        surprisePSNR = PSNRAgreement(fromEnergy: scaled.flatMap(\.surprisePSNR), measured: measured)
        self.errorScale = expectedPSNR == nil ? nil : errorScale
        // Per evaluated frame: is it a cut, the model's PSNR, copy-last's (its error is the frame difference).
        let framed = done.filter { $0.errors.count == $0.frameIndices.count && $0.frameDifferences.count == $0.frameIndices.count }
        let isCut = framed.flatMap { clip in clip.frameIndices.map(Set(clip.cutFrames).contains) }
        cutFrames = isCut.filter { $0 }.count
        func meanWithoutCuts(_ errors: [Double]) -> Double? {
            let kept = zip(errors, isCut).filter { !$0.1 }.map { PSNR.fromMSE($0.0) }
            return kept.isEmpty ? nil : kept.reduce(0, +) / Double(kept.count)
        }
        modelPSNRWithoutCuts = meanWithoutCuts(framed.flatMap(\.errors))
        copyLastPSNRWithoutCuts = meanWithoutCuts(framed.flatMap(\.frameDifferences))
        self.thinkSteps = thinkSteps
        self.seconds = seconds
        func meanCurve(_ pick: (ClipEvaluation) -> [Double]) -> [Double] {
            let curves = done.map(pick).filter { !$0.isEmpty }
            guard let length = curves.map(\.count).min(), !curves.isEmpty else { return [] }
            return (0..<length).map { k in curves.reduce(0) { $0 + $1[k] } / Double(curves.count) }
        }
        horizonPSNR = meanCurve(\.horizonPSNR)
        horizonPSNRCopyLast = meanCurve(\.horizonPSNRCopyLast)
        horizonPSNRMotion = meanCurve(\.horizonPSNRMotion)
    }

    /// One row per clip.
    public static func csv(_ results: [ClipEvaluation]) -> String {
        func cell(_ value: Double?) -> String { value.map { String(format: "%.6g", $0) } ?? "" }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var lines = ["clip,frames,model_psnr,model_ssim,model_mse,copy_last_psnr,copy_last_ssim,linear_psnr,motion_psnr,motion_ssim,baseline_psnr,"
                     + "expected_psnr_db,surprise_psnr_db,cut_frames,energy_error_spearman,surprise_auroc,patch_uncertainty_spearman,patch_surprise_spearman,patch_shift_spearman,patch_motion_spearman,error"]
        for r in results {
            lines.append([quoted(r.clip), String(r.frames), cell(r.model?.psnr), cell(r.model?.ssim), cell(r.model?.mse),
                          cell(r.copyLast?.psnr), cell(r.copyLast?.ssim), cell(r.linear?.psnr),
                          cell(r.motion?.psnr), cell(r.motion?.ssim), cell(r.baseline?.psnr),
                          cell(mean(r.expectedPSNR)), cell(mean(r.surprisePSNR)),
                          r.cutFrames.map(String.init).joined(separator: " "), cell(r.energyErrorSpearman), cell(r.surpriseAUROC),
                          cell(r.patchUncertaintySpearman), cell(r.patchSurpriseSpearman), cell(r.patchShiftSpearman), cell(r.patchMotionSpearman), r.error.map(quoted) ?? ""].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes summary.json and results.csv into `folder`, each atomically.
    public static func write(_ results: [ClipEvaluation], thinkSteps: Int, seconds: Double, errorScale: String? = nil, to folder: URL) throws -> EvalSummary {
        let summary = EvalSummary(results, thinkSteps: thinkSteps, seconds: seconds, errorScale: errorScale)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(summary), to: folder.appendingPathComponent("summary.json"))
        try AtomicFile.write(Data(csv(results).utf8), to: folder.appendingPathComponent("results.csv"))
        return summary
    }
}
