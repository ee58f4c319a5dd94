import FileSystem
import Foundation
import PatchCodec

/// report.html: one self-contained page (inline SVG charts, inline images, no scripts) that shows
/// the batch at a glance: the summary table, error against rollout horizon, energy against error,
/// the best and worst clips, and every clip's row.
public enum EvalReport {
    public static func html(summary: EvalSummary, results: [ClipEvaluation], modelName: String, thumbnails: [(String, [UInt8], Int, Int)]) -> String {
        func f(_ value: Double?, _ format: String = "%.3f") -> String { value.map { String(format: format, $0) } ?? "–" }
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var page = """
        <!doctype html><html><head><meta charset="utf-8"><title>ebtvid eval</title><style>
        body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
        th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.fig{display:inline-block;margin-right:2em;vertical-align:top}
        img{image-rendering:pixelated;width:128px;height:128px;border:1px solid #999}
        </style></head><body>
        <h1>ebtvid evaluation</h1>
        <p>Model <code>\(escape(modelName))</code> · \(summary.clips) clips (\(summary.failed) failed) · \(summary.frames) frames predicted one step ahead · \(summary.thinkSteps) thinking steps · \(f(summary.seconds, "%.0f")) s</p>
        <table><tr><th>one step ahead</th><th>PSNR dB</th><th>SSIM</th><th>MSE</th><th>embedding MSE</th></tr>
        """
        for (name, quality) in [("model", summary.model), ("copy-last-frame", summary.copyLast), ("linear extrapolation", summary.linear),
                                ("motion-compensated (8x8 blocks, ±4 px)", summary.motion), ("baseline", summary.baseline)] {
            guard let q = quality else { continue }
            page += "<tr><td>\(name)</td><td>\(f(q.psnr, "%.2f"))</td><td>\(f(q.ssim))</td><td>\(f(q.mse, "%.1f"))</td><td>\(f(q.embeddingMSE, "%.4f"))</td></tr>"
        }
        page += "</table><p>Energy–error Spearman: <b>\(f(summary.energyErrorSpearman))</b> · surprise AUROC: <b>\(f(summary.surpriseAUROC))</b> pooled, <b>\(f(summary.surpriseAUROCWithinClips))</b> within clips (0.5 is chance; the frame difference, needing no model: \(f(summary.frameDifferenceAUROCWithinClips))) · per-patch Spearman of error with the energy at the prediction (uncertainty map): <b>\(f(summary.patchUncertaintySpearman))</b> (with the last context frame's change, a map needing no model: \(f(summary.patchMotionSpearman))), with the thinking shift: <b>\(f(summary.patchShiftSpearman))</b>, with surprise: <b>\(f(summary.patchSurpriseSpearman))</b></p>"

        page += "<div class=fig><h3>PSNR against rollout horizon</h3>"
        page += lineChart([("model", summary.horizonPSNR, "#d9480f"), ("copy-last", summary.horizonPSNRCopyLast, "#1c7ed6"),
                           ("motion", summary.horizonPSNRMotion, "#2b8a3e")], xLabel: "frames ahead", yLabel: "PSNR dB")
        page += "</div><div class=fig><h3>Energy against error</h3>"
        let done = results.filter { $0.error == nil && $0.energies.count == $0.errors.count }
        let points = done.flatMap { zip($0.energies.map(Double.init), $0.errors) }
        page += scatter(points.enumerated().filter { $0.offset % max(points.count / 1500, 1) == 0 }.map(\.element), xLabel: "final energy", yLabel: "pixel MSE")
        page += "</div>"

        if !thumbnails.isEmpty {
            page += "<h3>Best and worst clips (model PSNR minus copy-last)</h3><p>"
            for (caption, pixels, width, height) in thumbnails {
                page += "<span class=fig><img src=\"data:image/bmp;base64,\(bitmap(pixels, width: width, height: height).base64EncodedString())\"><br>\(escape(caption))</span>"
            }
            page += "</p>"
        }

        page += "<h3>Clips</h3><table><tr><th>clip</th><th>frames</th><th>model PSNR</th><th>copy-last PSNR</th><th>linear PSNR</th><th>motion PSNR</th><th>baseline PSNR</th><th>Spearman</th><th>AUROC</th><th>error</th></tr>"
        for r in results {
            page += "<tr><td>\(escape(r.clip))</td><td>\(r.frames)</td><td>\(f(r.model?.psnr, "%.2f"))</td><td>\(f(r.copyLast?.psnr, "%.2f"))</td>"
            page += "<td>\(f(r.linear?.psnr, "%.2f"))</td><td>\(f(r.motion?.psnr, "%.2f"))</td><td>\(f(r.baseline?.psnr, "%.2f"))</td><td>\(f(r.energyErrorSpearman))</td><td>\(f(r.surpriseAUROC))</td><td>\(escape(r.error ?? ""))</td></tr>"
        }
        return page + "</table></body></html>\n"
    }

    /// Writes DIR/report.html, with the middle frame of the best and worst clips as thumbnails.
    public static func write(summary: EvalSummary, results: [ClipEvaluation], modelName: String, grid: PatchGrid, to folder: URL) throws {
        let ranked = results.filter { $0.model != nil && $0.copyLast != nil }
            .sorted { $0.model!.psnr - $0.copyLast!.psnr > $1.model!.psnr - $1.copyLast!.psnr }
        var picks = Array(ranked.prefix(2)) + Array(ranked.suffix(2))
        var seen = Set<String>()
        picks = picks.filter { seen.insert($0.clip).inserted }
        let thumbnails: [(String, [UInt8], Int, Int)] = picks.compactMap { clip in
            let middle = clip.frameIndices.isEmpty ? 0 : clip.frameIndices[clip.frameIndices.count / 2]
            guard let batch = try? FrameBatch.read(URL(fileURLWithPath: clip.clip), grid: grid, start: middle, maxFrames: 1), batch.frames == 1 else { return nil }
            let caption = URL(fileURLWithPath: clip.clip).lastPathComponent + String(format: " (%+.2f dB)", clip.model!.psnr - clip.copyLast!.psnr)
            return (caption, batch.rgb, grid.frameWidth, grid.frameHeight)
        }
        let page = html(summary: summary, results: results, modelName: modelName, thumbnails: thumbnails)
        try AtomicFile.write(Data(page.utf8), to: folder.appendingPathComponent("report.html"))
    }

    /// Lines over a shared axis frame; empty series are skipped.
    static func lineChart(_ series: [(String, [Double], String)], xLabel: String, yLabel: String) -> String {
        let all = series.flatMap(\.1)
        guard let low = all.min(), let high = all.max(), let length = series.map(\.1.count).max(), length > 0 else { return "<p>no rollouts</p>" }
        let (w, h, pad) = (360.0, 220.0, 40.0)
        let span = max(high - low, 1e-9)
        func x(_ i: Int) -> Double { pad + (w - 2 * pad) * Double(i) / Double(max(length - 1, 1)) }
        func y(_ v: Double) -> Double { h - pad - (h - 2 * pad) * (v - low) / span }
        var svg = axes(w: w, h: h, pad: pad, xLabel: xLabel, yLabel: yLabel, yLow: low, yHigh: high)
        for (index, (name, values, color)) in series.enumerated() where !values.isEmpty {
            let path = values.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y($0.element)) }.joined(separator: " ")
            svg += "<polyline fill=none stroke=\"\(color)\" stroke-width=2 points=\"\(path)\"/>"
            svg += "<text x=\(Int(w - pad - 70)) y=\(Int(pad + 14 * Double(index))) font-size=11 fill=\"\(color)\">\(name)</text>"
        }
        return svg + "</svg>"
    }

    static func scatter(_ points: [(Double, Double)], xLabel: String, yLabel: String) -> String {
        guard let xLow = points.map(\.0).min(), let xHigh = points.map(\.0).max(),
              let yLow = points.map(\.1).min(), let yHigh = points.map(\.1).max() else { return "<p>no energies (baseline model?)</p>" }
        let (w, h, pad) = (360.0, 220.0, 40.0)
        var svg = axes(w: w, h: h, pad: pad, xLabel: xLabel, yLabel: yLabel, yLow: yLow, yHigh: yHigh)
        for (px, py) in points {
            let cx = pad + (w - 2 * pad) * (px - xLow) / max(xHigh - xLow, 1e-9)
            let cy = h - pad - (h - 2 * pad) * (py - yLow) / max(yHigh - yLow, 1e-9)
            svg += String(format: "<circle cx=%.1f cy=%.1f r=1.6 fill=\"#5f3dc4\" fill-opacity=.5/>", cx, cy)
        }
        return svg + "</svg>"
    }

    static func axes(w: Double, h: Double, pad: Double, xLabel: String, yLabel: String, yLow: Double, yHigh: Double) -> String {
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\(Int(w)) height=\(Int(h)) font-family=sans-serif>"
        svg += "<rect x=\(Int(pad)) y=\(Int(pad)) width=\(Int(w - 2 * pad)) height=\(Int(h - 2 * pad)) fill=none stroke=\"#999\"/>"
        svg += "<text x=\(Int(w / 2)) y=\(Int(h - 8)) font-size=11 text-anchor=middle>\(xLabel)</text>"
        svg += "<text x=12 y=\(Int(h / 2)) font-size=11 text-anchor=middle transform=\"rotate(-90 12 \(Int(h / 2)))\">\(yLabel)</text>"
        svg += String(format: "<text x=%d y=%d font-size=10 text-anchor=end>%.3g</text>", Int(pad - 4), Int(h - pad), yLow)
        svg += String(format: "<text x=%d y=%d font-size=10 text-anchor=end>%.3g</text>", Int(pad - 4), Int(pad + 8), yHigh)
        return svg
    }

    /// A 24-bit BMP, which every browser shows from a data URI, so the page needs no PNG encoder.
    static func bitmap(_ rgb: [UInt8], width: Int, height: Int) -> Data {
        let rowBytes = (width * 3 + 3) / 4 * 4, size = 54 + rowBytes * height
        var data = Data()
        func le32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        func le16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("BM".utf8)); le32(size); le32(0); le32(54)
        le32(40); le32(width); le32(height); le16(1); le16(24); le32(0); le32(rowBytes * height); le32(2835); le32(2835); le32(0); le32(0)
        for row in stride(from: height - 1, through: 0, by: -1) {
            for column in 0..<width {
                let i = (row * width + column) * 3
                data.append(contentsOf: [rgb[i + 2], rgb[i + 1], rgb[i]])
            }
            data.append(contentsOf: [UInt8](repeating: 0, count: rowBytes - width * 3))
        }
        return data
    }
}
