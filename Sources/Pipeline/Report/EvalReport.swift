import FileSystem
import Foundation
import PatchCodec

/// report.html: one self-contained page (inline SVG charts, inline images, no scripts) that shows
/// the batch at a glance: the pooled tables with the within-clip figures beside them, error
/// against rollout horizon, energy against error, the best and worst clips, every clip's row and
/// a glossary. Paths are written relative to the report's folder.
public enum EvalReport {
    /// A thumbnail: its caption and rgb24 pixels.
    public struct Thumbnail {
        public var caption: String
        public var rgb: [UInt8]
        public var width: Int
        public var height: Int
    }

    /// The scatter draws at most this many frames (every k-th beyond it), keeping the page small.
    static let scatterLimit = 4000

    public static func html(summary: EvalSummary, results: [ClipEvaluation], modelPath: String, thumbnails: [Thumbnail], folder: URL) -> String {
        func shown(_ path: String) -> String { RelativePath.of(path, from: folder) }
        var page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>ebtvid evaluation</title><style>
        body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;color:#222}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
        th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.fig{display:inline-block;margin-right:2em;vertical-align:top}
        .path{overflow-wrap:anywhere;max-width:28em}img{image-rendering:pixelated;width:128px;height:auto;border:1px solid #999}
        dt{font-weight:bold;margin-top:.6em}dd{margin-left:1.5em}
        </style></head><body>
        <h1>ebtvid evaluation</h1>

        """
        page += Markup.element("p", Markup.text("Model ") + Markup.element("code", ["class": "path"], text: shown(modelPath))
            + Markup.text(" · \(summary.clips) clips (\(summary.failed) failed) · \(summary.frames) frames predicted one step ahead · \(summary.thinkSteps) thinking steps · \(number(summary.seconds, "%.0f")) s")) + "\n"

        page += Markup.element("h2", text: "One step ahead, over all frames") + "\n"
        var quality = row(["predictor", "PSNR dB", "SSIM", "MSE", "embedding MSE"], header: true)
        for (name, figures) in [("model", summary.model), ("copy-last frame", summary.copyLast), ("linear extrapolation", summary.linear),
                                ("motion baseline", summary.motion), ("baseline model", summary.baseline)] {
            guard let q = figures else { continue }
            quality += row([name, number(q.psnr, "%.2f"), number(q.ssim), number(q.mse, "%.1f"), number(q.embeddingMSE, "%.4f")])
        }
        page += Markup.element("table", quality) + "\n"
        let cutClips = results.filter { !$0.cutFrames.isEmpty }.count
        var cuts = "Scene cuts: \(summary.cutFrames) evaluated frames start a new shot (in \(cutClips) clips, listed per clip below); "
            + "they are included in every figure on this page."
        if summary.cutFrames > 0, let m = summary.modelPSNRWithoutCuts, let c = summary.copyLastPSNRWithoutCuts {
            cuts += " Without them the model's one-step PSNR is \(number(m, "%.2f")) dB and copy-last's \(number(c, "%.2f")) dB."
        }
        page += Markup.element("p", text: cuts) + "\n"

        page += Markup.element("h2", text: "Does the energy rank errors and flag surprises?") + "\n"
        page += Markup.element("p", text: "Pooled ranks every frame of every clip together; within clips is each clip's own figure, "
                               + "which is what a viewer of one clip (and overlay's outlier marker) faces.") + "\n"
        var ranking = row(["figure", "pooled", "mean within clips", "lowest clip", "clips below"], header: true)
        let rankings: [(String, Double?, WithinClipFigure)] = [
            ("energy–error Spearman, per frame", summary.energyErrorSpearman, WithinClipFigure(results, mark: 0, \.energyErrorSpearman)),
            ("surprise AUROC", summary.surpriseAUROC, WithinClipFigure(results, mark: 0.5, \.surpriseAUROC)),
            ("frame-difference AUROC (no model)", summary.frameDifferenceAUROC, WithinClipFigure(results, mark: 0.5, \.frameDifferenceAUROC)),
        ]
        for (name, pooled, within) in rankings {
            let lowest = within.lowest.map { number($0.value) + " " + URL(fileURLWithPath: $0.clip).lastPathComponent } ?? "–"
            let below = within.clips == 0 ? "–" : "\(within.below) of \(within.clips) below \(number(within.mark, "%g"))"
            ranking += row([name, number(pooled), number(within.mean), lowest, below])
        }
        page += Markup.element("table", ranking) + "\n"
        var patches = row(["per-patch error Spearman with", "mean within clips"], header: true)
        for (name, value) in [("the energy at the prediction (uncertainty map)", summary.patchUncertaintySpearman),
                              ("how far thinking moved the patch", summary.patchShiftSpearman),
                              ("the energy of the real frame (surprise)", summary.patchSurpriseSpearman),
                              ("the last context frame's change (no model)", summary.patchMotionSpearman)] {
            patches += row([name, number(value)])
        }
        page += Markup.element("table", patches) + "\n"

        if summary.expectedPSNR != nil || summary.surprisePSNR != nil {
            page += Markup.element("h2", text: "The energy as PSNR") + "\n"
            page += Markup.element("p", text: "Each frame's energies read on the PSNR scale (see the glossary), against the PSNR the model's predictions "
                                   + "measured; scale: \(summary.errorScale ?? "–").") + "\n"
            var agreement = row(["PSNR from the energy", "mean dB", "measured mean dB", "mean |difference| dB", "mean difference dB"], header: true)
            for (name, figures) in [("expected PSNR (energy at the prediction)", summary.expectedPSNR), ("surprise PSNR (the real frame's excess)", summary.surprisePSNR)] {
                guard let a = figures else { continue }
                agreement += row([name, number(a.meanFromEnergy, "%.2f"), number(a.meanMeasured, "%.2f"), number(a.meanAbsoluteDifference, "%.2f"),
                                  number(a.meanDifference, "%+.2f")])
            }
            page += Markup.element("table", agreement) + "\n"
        }

        page += Markup.element("h2", text: "Charts") + "\n"
        let horizon = SVGChart.lines([("model", summary.horizonPSNR, "#d9480f"), ("copy-last", summary.horizonPSNRCopyLast, "#1c7ed6"),
                                      ("motion", summary.horizonPSNRMotion, "#2b8a3e")], xLabel: "frames ahead", yLabel: "PSNR dB", name: "rollout")
        page += Markup.element("div", ["class": "fig"], Markup.element("h3", text: "PSNR against rollout horizon") + horizon)
        let done = results.filter { $0.error == nil && !$0.energies.isEmpty && $0.energies.count == $0.errors.count }
        let points = done.flatMap { zip($0.energies.map(Double.init), $0.errors) }
        let every = (points.count + scatterLimit - 1) / scatterLimit
        let plotted = points.enumerated().filter { $0.offset % max(every, 1) == 0 }.map(\.element)
        let caption = plotted.count == points.count ? "one dot per frame, \(points.count) frames"
                                                    : "one frame in \(every) of \(points.count), \(plotted.count) dots"
        page += Markup.element("div", ["class": "fig"], Markup.element("h3", text: "Energy against error")
            + SVGChart.scatter(plotted, xLabel: "final energy", yLabel: "pixel MSE", name: "scatter") + Markup.element("p", text: caption)) + "\n"
        let scaled = done.filter { $0.expectedPSNR.count == $0.errors.count }
        let psnrPoints = scaled.flatMap { zip($0.expectedPSNR, $0.errors.map(PSNR.fromMSE)) }
        if !psnrPoints.isEmpty {
            let psnrEvery = (psnrPoints.count + scatterLimit - 1) / scatterLimit
            let psnrPlotted = psnrPoints.enumerated().filter { $0.offset % max(psnrEvery, 1) == 0 }.map(\.element)
            page += Markup.element("div", ["class": "fig"], Markup.element("h3", text: "Expected against measured PSNR")
                + SVGChart.scatter(psnrPlotted, xLabel: "expected PSNR dB", yLabel: "measured PSNR dB", name: "expected-psnr", diagonal: true)
                + Markup.element("p", text: "one dot per frame; on the grey line the expectation was met")) + "\n"
        }

        if !thumbnails.isEmpty {
            page += Markup.element("h2", text: "Best and worst clips (model PSNR minus copy-last)") + "\n"
            var figures = ""
            for thumbnail in thumbnails {
                let image = BitmapImage.encode(thumbnail.rgb, width: thumbnail.width, height: thumbnail.height).base64EncodedString()
                figures += Markup.element("span", ["class": "fig"], Markup.empty("img", ["src": "data:image/bmp;base64," + image, "alt": thumbnail.caption])
                                          + Markup.empty("br") + Markup.text(thumbnail.caption))
            }
            page += Markup.element("p", figures) + "\n"
        }

        page += Markup.element("h2", text: "Clips") + "\n"
        var clips = row(["clip", "frames", "model PSNR", "expected PSNR", "copy-last PSNR", "linear PSNR", "motion PSNR", "baseline PSNR",
                         "scene cuts", "energy–error Spearman", "surprise AUROC", "error"], header: true)
        for r in results {
            clips += Markup.element("tr", Markup.element("td", ["class": "path"], text: shown(r.clip))
                + [String(r.frames), number(r.model?.psnr, "%.2f"),
                   number(r.expectedPSNR.isEmpty ? nil : r.expectedPSNR.reduce(0, +) / Double(r.expectedPSNR.count), "%.2f"), number(r.copyLast?.psnr, "%.2f"), number(r.linear?.psnr, "%.2f"),
                   number(r.motion?.psnr, "%.2f"), number(r.baseline?.psnr, "%.2f"),
                   r.cutFrames.isEmpty ? "–" : r.cutFrames.map(String.init).joined(separator: ", "), number(r.energyErrorSpearman), number(r.surpriseAUROC)]
                    .map { Markup.element("td", text: $0) }.joined()
                + Markup.element("td", ["class": "path"], text: r.error ?? ""))
        }
        page += Markup.element("table", clips) + "\n"
        page += glossary
        return page + "</body></html>\n"
    }

    /// Writes DIR/report.html, with the middle frame of the best and worst clips as thumbnails.
    public static func write(summary: EvalSummary, results: [ClipEvaluation], modelPath: String, grid: PatchGrid, to folder: URL) throws {
        let ranked = results.filter { $0.model != nil && $0.copyLast != nil }
            .sorted { $0.model!.psnr - $0.copyLast!.psnr > $1.model!.psnr - $1.copyLast!.psnr }
        var picks = Array(ranked.prefix(2)) + Array(ranked.suffix(2))
        var seen = Set<String>()
        picks = picks.filter { seen.insert($0.clip).inserted }
        let thumbnails: [Thumbnail] = picks.compactMap { clip in
            let middle = clip.frameIndices.isEmpty ? 0 : clip.frameIndices[clip.frameIndices.count / 2]
            guard let batch = try? FrameBatch.read(URL(fileURLWithPath: clip.clip), grid: grid, start: middle, maxFrames: 1), batch.frames == 1 else { return nil }
            let caption = URL(fileURLWithPath: clip.clip).lastPathComponent + String(format: " (%+.2f dB)", clip.model!.psnr - clip.copyLast!.psnr)
            return Thumbnail(caption: caption, rgb: batch.rgb, width: grid.frameWidth, height: grid.frameHeight)
        }
        let page = html(summary: summary, results: results, modelPath: modelPath, thumbnails: thumbnails, folder: folder)
        try AtomicFile.write(Data(page.utf8), to: folder.appendingPathComponent("report.html"))
    }

    /// What the page's terms mean.
    static let glossary: String = {
        let terms: [(String, String)] = [
            ("PSNR", "peak signal-to-noise ratio of a predicted frame against the real one, in dB: 10·log10(255² / MSE). Higher is better; "
                + "+3 dB is half the squared error. Capped at 100 for identical frames."),
            ("SSIM", "structural similarity of predicted and real frames, 1 for identical; it weighs structure over uniform brightness errors."),
            ("MSE", "mean squared error per pixel channel, on the 0–255 scale."),
            ("embedding MSE", "the error in the model's own space (its patch codec's coefficients), free of what the codec cannot represent."),
            ("copy-last", "the baseline that predicts the next frame is the last one again: what a model must beat on a still scene."),
            ("linear extrapolation", "2·(last frame) − (frame before), per pixel."),
            ("motion baseline", "the last frame moved on along the sub-pixel motion measured between the last two frames (8x8 block matching, ±4 px): "
                + "the default model's first guess, so the model against it is what thinking adds."),
            ("energy", "the model's score of a candidate next frame: low when it fits the context. The final energy after thinking is the prediction's "
                + "uncertainty, known before the frame is seen."),
            ("surprise score", "the real frame's energy minus the energy of the model's own prediction: how far reality landed from the guess, "
                + "minus what the model expected. The AUROC and overlay's outliers rank frames by it."),
            ("expected PSNR", "the PSNR in dB the energy at the prediction stands for, known before the frame is seen: the uncertainty on a scale "
                + "that means the same for every clip and model. Calibration fits it to the model's own errors (a line in log space); a model "
                + "without that fit uses its codec's conversion, which reads high."),
            ("surprise PSNR", "the PSNR in dB the surprise score stands for, on the same kind of scale: the model's judgement of how good its "
                + "prediction was once it sees the real frame. Far below the expected PSNR means the frame surprised it."),
            ("Spearman", "rank correlation from −1 to 1: 1 when a higher energy always goes with a higher error, 0 when the energy says nothing about it."),
            ("AUROC", "the chance that a surprise frame (listed in the clip's sidecar JSON) scores higher than an ordinary frame: 0.5 is chance, 1 perfect."),
            ("scene cut", "a frame that starts a new shot: its difference from the frame before is far above the clip's usual difference "
                + "around it and above an absolute floor, and it is no one-frame flash. Its truth is another shot, which no predictor can know."),
            ("pooled and within clips", "pooled ranks the frames of all clips together, so a clip's overall level counts; within clips takes each clip's "
                + "own figure and averages them."),
        ]
        let entries = terms.map { Markup.element("dt", text: $0.0) + Markup.element("dd", text: $0.1) }.joined(separator: "\n")
        return Markup.element("h2", text: "Glossary") + "\n" + Markup.element("dl", entries) + "\n"
    }()

    static func number(_ value: Double?, _ format: String = "%.3f") -> String { value.map { String(format: format, $0) } ?? "–" }

    /// A table row of plain-text cells.
    static func row(_ cells: [String], header: Bool = false) -> String {
        Markup.element("tr", cells.map { Markup.element(header ? "th" : "td", text: $0) }.joined())
    }
}
