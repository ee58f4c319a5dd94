/// The one fixed range on which heat maps of PSNR are coloured, with its legend: the prediction
/// video's uncertainty map (each patch's expected PSNR) and the overlay's heat (each patch's
/// surprise PSNR). Fixed, not fitted to each clip, so the same colour means the same dB in
/// every video, whatever the clip or model.
enum PSNRHeat {
    /// Patches at or above this PSNR are left clear; at or below `hot`, drawn at full heat.
    static let clear = 45.0
    static let hot = 15.0
    /// The legend's labelled dB values.
    static let ticks: [Double] = [45, 35, 25, 15]

    /// A PSNR's place on the colour scale: 0 at `clear`, 1 at `hot` (NaN as 0).
    static func level(_ psnr: Double) -> Float {
        Float((clear - psnr) / (clear - hot)).clampedToUnitInterval
    }

    /// The height a legend takes: the bar, a gap and the tick values.
    static func height(textScale: Int) -> Int { (2 * PixelFont.glyphHeight + 1) * textScale }

    /// Where a legend's bar lies: after its title, inset so the tick values centred on its ends
    /// stay inside `width`, with room for the unit after the last.
    static func bar(_ title: String, x: Int, width: Int, textScale: Int) -> (barX: Int, barWidth: Int) {
        let titleWidth = title.isEmpty ? 0 : PixelFont.width(title, scale: textScale) + 2 * textScale
        let barX = x + titleWidth + 4 * textScale
        return (barX, max(width - titleWidth - 17 * textScale, 8))
    }

    /// The colour bar from `clear` to `hot`, `width` pixels wide at (x, y), with its tick values
    /// in dB under it and `title` before it; returns where the bar lies, so marks can be put on
    /// the same scale (a level's place is `barX + level · (barWidth − 1)`).
    @discardableResult
    static func drawLegend(_ title: String, on canvas: inout Canvas, x: Int, y: Int, width: Int, textScale: Int) -> (barX: Int, barWidth: Int) {
        PixelFont.draw(title, on: &canvas, x: x, y: y, scale: textScale)
        let (barX, barWidth) = bar(title, x: x, width: width, textScale: textScale)
        let barHeight = PixelFont.glyphHeight * textScale
        for column in 0..<barWidth {
            canvas.fill(x: barX + column, y: y, width: 1, height: barHeight, color: HeatColormap.color(Float(column) / Float(barWidth - 1)))
        }
        let labelY = y + barHeight + textScale
        for tick in ticks {
            let tickX = barX + Int(Double(barWidth - 1) * Double(level(tick)))
            canvas.fill(x: tickX, y: y + barHeight, width: max(textScale / 2, 1), height: textScale, color: (230, 230, 230))
            PixelFont.drawCentred(String(format: "%.0f", tick), on: &canvas, centreX: tickX, y: labelY, scale: textScale)
        }
        PixelFont.draw("DB", on: &canvas, x: barX + barWidth + 6 * textScale, y: labelY, scale: textScale)
        return (barX, barWidth)
    }
}
