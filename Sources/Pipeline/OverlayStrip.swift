/// The strip under an overlay's picture, on the heat's own scale so the picture and the strip
/// read alike: the frame's surprise PSNR in words and as a gauge under the colour legend (whose
/// ticks are in dB), the expected PSNR marked on it, and the surprise PSNR so far as a sparkline
/// with outliers and scene cuts marked. Text and marks grow with the width.
struct OverlayStrip {
    let width: Int
    /// Font pixel size.
    var textScale: Int { max(1, width / 128) }
    var margin: Int { 2 * textScale }
    var lineHeight: Int { (PixelFont.glyphHeight + 3) * textScale }
    var legendTop: Int { margin + 2 * lineHeight }
    var gaugeTop: Int { legendTop + PSNRHeat.height(textScale: textScale) + textScale }
    var gaugeHeight: Int { 3 * textScale }
    var sparkTop: Int { gaugeTop + gaugeHeight + margin }
    var sparkHeight: Int { 12 * textScale }
    var height: Int { let h = sparkTop + sparkHeight + margin; return h + h % 2 }
    /// Where the legend's colour bar lies; the gauge and the sparkline share its scale.
    var bar: (barX: Int, barWidth: Int) { PSNRHeat.bar("", x: margin, width: width - 2 * margin, textScale: textScale) }

    static let outlierColor: (UInt8, UInt8, UInt8) = (240, 50, 50)
    static let cutColor: (UInt8, UInt8, UInt8) = (90, 170, 255)

    /// Draws frame `t`'s strip with its top at `top`. `surprisePSNR` and `expectedPSNR` hold
    /// every frame's values (NaN where a frame has none).
    func draw(on canvas: inout Canvas, top: Int, frame t: Int, surprisePSNR: [Double], expectedPSNR: [Double],
              outliers: Set<Int>, cuts: Set<Int>) {
        canvas.fill(x: 0, y: top, width: width, height: height, color: (16, 16, 16))
        let surprise = t < surprisePSNR.count ? surprisePSNR[t] : .nan, expected = t < expectedPSNR.count ? expectedPSNR[t] : .nan
        let ts = textScale
        if surprise.isFinite {
            PixelFont.draw(String(format: "SURPRISE PSNR %.1f DB", surprise), on: &canvas, x: margin, y: top + margin, scale: ts)
        } else {
            PixelFont.draw("NO CONTEXT YET", on: &canvas, x: margin, y: top + margin, scale: ts)
        }
        var second = expected.isFinite ? String(format: "EXPECTED %.1f DB  ", expected) : ""
        second += "FRAME \(t)"
        PixelFont.draw(second, on: &canvas, x: margin, y: top + margin + lineHeight, scale: ts, color: (170, 170, 170))
        if outliers.contains(t) || cuts.contains(t) {
            let note = cuts.contains(t) ? "CUT" : "OUTLIER"
            PixelFont.draw(note, on: &canvas, x: width - margin - PixelFont.width(note, scale: ts), y: top + margin, scale: ts,
                           color: cuts.contains(t) ? Self.cutColor : Self.outlierColor)
        }

        // The legend, then the gauge on its scale: filled up to this frame's surprise PSNR, with
        // a white mark at the PSNR the model expected.
        let (barX, barWidth) = PSNRHeat.drawLegend("", on: &canvas, x: margin, y: top + legendTop, width: width - 2 * margin, textScale: ts)
        func x(_ psnr: Double) -> Int { barX + Int(Float(barWidth - 1) * PSNRHeat.level(psnr)) }
        let gaugeY = top + gaugeTop
        canvas.fill(x: barX, y: gaugeY, width: barWidth, height: gaugeHeight, color: (50, 50, 50))
        if surprise.isFinite {
            canvas.fill(x: barX, y: gaugeY, width: x(surprise) - barX + 1, height: gaugeHeight, color: HeatColormap.color(PSNRHeat.level(surprise)))
        }
        if expected.isFinite {
            canvas.fill(x: x(expected) - ts / 2, y: gaugeY - ts, width: max(ts, 1), height: gaugeHeight + 2 * ts, color: (255, 255, 255))
        }

        // Sparkline: the surprise PSNR of every frame so far, 45 dB at the bottom and 15 at the top.
        let sparkY = top + sparkTop, count = max(surprisePSNR.count, 2)
        canvas.fill(x: barX, y: sparkY, width: barWidth, height: sparkHeight, color: (28, 28, 28))
        let step = Float(barWidth - 1) / Float(count - 1)
        let columnWidth = max(Int(step), 1)
        for k in 0...min(t, surprisePSNR.count - 1) {
            let column = barX + Int(Float(k) * step)
            if cuts.contains(k) { canvas.fill(x: column, y: sparkY, width: columnWidth, height: sparkHeight, color: Self.cutColor) }
            guard surprisePSNR[k].isFinite else { continue }
            let level = PSNRHeat.level(surprisePSNR[k])
            let y = sparkY + sparkHeight - 1 - Int(Float(sparkHeight - 1) * level)
            let mark = outliers.contains(k)
            canvas.fill(x: column, y: mark ? y - ts : y, width: columnWidth, height: mark ? 3 * ts : max(ts / 2, 1),
                        color: mark ? Self.outlierColor : (210, 210, 210))
        }
    }
}
