import Foundation
import Pipeline

/// What `eval` and `eval merge` print once the batch's outputs are written: the pooled figures,
/// each clip's own, and how energy ranks errors and flags surprises.
enum EvalPrintout {
    static func show(_ summary: EvalSummary, results: [ClipEvaluation], thinkSteps: Int) {
        func row(_ name: String, _ q: Quality?) {
            guard let q else { return }
            print(name.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: "PSNR %6.2f dB  SSIM %.3f  embedding MSE %.4f", q.psnr, q.ssim, q.embeddingMSE))
        }
        print("\(summary.clips) clips (\(summary.failed) failed), \(summary.frames) frames, \(thinkSteps) thinking steps")
        // Within clips first: a pooled mean can hide a clip the model makes worse.
        print("per clip, one-step PSNR dB:  model  copy-last  motion  clip")
        for clip in results where clip.error == nil {
            guard let m = clip.model, let c = clip.copyLast, let v = clip.motion else { continue }
            print(String(format: "                            %6.2f  %6.2f     %6.2f  ", m.psnr, c.psnr, v.psnr) + URL(fileURLWithPath: clip.clip).lastPathComponent)
        }
        row("model", summary.model)
        row("copy-last", summary.copyLast)
        row("linear", summary.linear)
        row("motion", summary.motion)
        row("baseline", summary.baseline)
        let cutClips = results.filter { !$0.cutFrames.isEmpty }
        if summary.cutFrames > 0 || !cutClips.isEmpty {
            var line = "scene cuts: \(summary.cutFrames) evaluated frames start a new shot (in \(cutClips.count) clips), included in every figure"
            if let m = summary.modelPSNRWithoutCuts, let c = summary.copyLastPSNRWithoutCuts {
                line += String(format: "; without them model PSNR %.2f dB, copy-last %.2f dB", m, c)
            }
            print(line)
        } else {
            print("scene cuts: none found")
        }
        let chosen = results.filter { $0.lowestEnergyIsLowestError != nil }
        if !chosen.isEmpty {
            let frames = Double(chosen.reduce(0) { $0 + $1.frames })
            let hits = chosen.reduce(0.0) { $0 + $1.lowestEnergyIsLowestError! * Double($1.frames) } / frames
            let alternatives = chosen.reduce(0.0) { $0 + ($1.alternativeChosen ?? 0) * Double($1.frames) } / frames
            print(String(format: "samples: the lowest-energy sample was the lowest-error one on %.1f%% of frames; another start than the model's won on %.1f%%",
                         100 * hits, 100 * alternatives))
        }
        for (name, agreement) in [("expected PSNR (energy at the prediction)", summary.expectedPSNR), ("surprise PSNR (the real frame's excess)", summary.surprisePSNR)] {
            guard let agreement else { continue }
            print(String(format: "%@: %.2f dB against the measured %.2f dB, mean |difference| %.2f dB", name, agreement.meanFromEnergy,
                         agreement.meanMeasured, agreement.meanAbsoluteDifference))
        }
        if let origin = summary.errorScale { print("  scale: \(origin)") }
        if let s = summary.energyErrorSpearman {
            print(String(format: "energy-error Spearman %.3f pooled", s) + (summary.energyErrorSpearmanWithinClips.map { String(format: ", %.3f within clips", $0) } ?? ""))
        }
        if let a = summary.surpriseAUROC {
            print(String(format: "surprise AUROC %.3f pooled", a) + (summary.surpriseAUROCWithinClips.map { String(format: ", %.3f within clips", $0) } ?? "")
                  + (summary.frameDifferenceAUROCWithinClips.map { String(format: " (frame difference, no model: %.3f within clips)", $0) } ?? ""))
            for clip in results where clip.surpriseAUROC != nil {
                print(String(format: "  AUROC %.3f (frame difference %.3f)  ", clip.surpriseAUROC!, clip.frameDifferenceAUROC ?? .nan)
                      + URL(fileURLWithPath: clip.clip).lastPathComponent)
            }
        }
        if let u = summary.patchUncertaintySpearman, let s = summary.patchSurpriseSpearman, let m = summary.patchShiftSpearman {
            print(String(format: "per-patch error Spearman: %.3f with energy at the prediction (uncertainty map), %.3f with the thinking shift, %.3f with surprise (energy of the real frame)", u, m, s))
            if let motion = summary.patchMotionSpearman {
                print(String(format: "  for reference, %.3f with the last context frame's change per patch (no model)", motion))
            }
        }
    }
}
