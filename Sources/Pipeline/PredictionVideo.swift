import Foundation
import PatchCodec
import VideoIO

/// prediction.mp4, drawn to be watched: five titled panels (the context, the truth, the
/// prediction, the amplified error and the uncertainty map), a caption per frame, and a timeline
/// whose marker shows where the context ends and the prediction begins. The context plays at the
/// clip's rate; each predicted frame is held long enough to read its caption.
struct PredictionVideo {
    /// What one predicted frame shows besides its pictures.
    struct Caption {
        var index: Int
        var energy: Float?
        var psnr: Double?
        /// The PSNR the energy stands for (`ErrorScale`), and each patch's (rows × columns of the
        /// grid): the uncertainty map. Nil and empty without energy.
        var expectedPSNR: Double?
        var patchPSNR: [Double]
    }

    static let titles = ["CONTEXT", "TRUTH", "PREDICTION", "ERROR X4", "UNCERTAINTY"]
    /// Seconds each predicted frame stays on screen.
    static let holdSeconds = 0.5
    /// Panels are enlarged to at least this many pixels on their long side.
    static let minimumPanelSide = 256

    let grid: PatchGrid
    let fps: Double
    /// Each working-size pixel becomes scale × scale video pixels (nearest neighbour, so patches stay crisp).
    let scale: Int

    init(grid: PatchGrid, fps: Double, scale: Int? = nil) {
        self.grid = grid
        self.fps = fps > 0 ? fps : 24
        let longSide = max(grid.frameWidth, grid.frameHeight)
        self.scale = scale ?? max(1, (Self.minimumPanelSide + longSide - 1) / longSide)
    }

    /// Video frames each predicted frame is held for.
    var hold: Int { max(1, Int((Self.holdSeconds * fps).rounded())) }

    var panelWidth: Int { grid.frameWidth * scale }
    var panelHeight: Int { grid.frameHeight * scale }
    /// Font pixel size: text grows with the panels so it stays readable at any size.
    var textScale: Int { max(1, min(panelWidth, 2 * panelHeight) / 80) }
    var gap: Int { 2 * textScale }
    var lineHeight: Int { (PixelFont.glyphHeight + 3) * textScale }
    var titleHeight: Int { lineHeight + gap }
    var captionHeight: Int { lineHeight + PSNRHeat.height(textScale: textScale) + gap }
    var timelineHeight: Int { 3 * textScale + lineHeight + 2 * gap }
    var width: Int { evenUp(Self.titles.count * panelWidth + (Self.titles.count + 1) * gap) }
    var height: Int { evenUp(titleHeight + panelHeight + captionHeight + timelineHeight) }
    /// Where panel `i` starts, and the row of pictures.
    func panelX(_ i: Int) -> Int { gap + i * (panelWidth + gap) }
    var panelY: Int { titleHeight }

    private func evenUp(_ value: Int) -> Int { value + value % 2 }

    /// Writes the video: every context frame once, then every predicted frame `hold` times.
    func write(to url: URL, context: [[UInt8]], firstIndex: Int, predicted: [[UInt8]], truth: [[UInt8]], captions: [Caption]) throws {
        let writer = try VideoWriter(url: url, width: width, height: height, fps: fps)
        let total = context.count + predicted.count
        for (i, frame) in context.enumerated() {
            let canvas = contextFrame(frame, index: firstIndex + i, position: i, total: total, contextCount: context.count)
            try canvas.pixels.withUnsafeBufferPointer { try writer.append(pixels: $0) }
        }
        for (step, frame) in predicted.enumerated() {
            let canvas = predictedFrame(frame, truth: step < truth.count ? truth[step] : nil, lastContext: context.last,
                                        caption: captions[step], step: step, total: total, contextCount: context.count)
            for _ in 0..<hold { try canvas.pixels.withUnsafeBufferPointer { try writer.append(pixels: $0) } }
        }
        try writer.finish()
    }

    func contextFrame(_ frame: [UInt8], index: Int, position: Int, total: Int, contextCount: Int) -> Canvas {
        var canvas = Canvas(width: width, height: height, gray: 16)
        drawTitles(on: &canvas, predicting: false)
        canvas.draw(frame, width: grid.frameWidth, height: grid.frameHeight, x: panelX(0), y: panelY, scale: scale)
        for i in 1..<Self.titles.count { emptyPanel(i, on: &canvas, note: "") }
        caption(on: &canvas, lines: ["FRAME \(index)   CONTEXT \(position + 1)/\(contextCount)", "THE MODEL SEES THESE FRAMES"])
        timeline(on: &canvas, position: position, total: total, contextCount: contextCount)
        return canvas
    }

    func predictedFrame(_ frame: [UInt8], truth: [UInt8]?, lastContext: [UInt8]?, caption record: Caption, step: Int, total: Int,
                        contextCount: Int) -> Canvas {
        var canvas = Canvas(width: width, height: height, gray: 16)
        drawTitles(on: &canvas, predicting: true)
        let (w, h) = (grid.frameWidth, grid.frameHeight)
        if let lastContext { canvas.draw(lastContext, width: w, height: h, x: panelX(0), y: panelY, scale: scale) }
        if let truth {
            canvas.draw(truth, width: w, height: h, x: panelX(1), y: panelY, scale: scale)
            canvas.draw(Canvas.difference(truth, frame), width: w, height: h, x: panelX(3), y: panelY, scale: scale)
        } else {
            emptyPanel(1, on: &canvas, note: "NO TRUTH")
            emptyPanel(3, on: &canvas, note: "NO TRUTH")
        }
        canvas.draw(frame, width: w, height: h, x: panelX(2), y: panelY, scale: scale)
        if record.patchPSNR.count == grid.patchCount {
            // The map over the prediction it belongs to, dimmed so the heat reads first.
            canvas.draw(frame.map { $0 / 2 }, width: w, height: h, x: panelX(4), y: panelY, scale: scale)
            HeatBlend.draw(record.patchPSNR.map(PSNRHeat.level), rows: grid.rows, columns: grid.columns,
                           on: &canvas, x: panelX(4), y: panelY, width: panelWidth, height: panelHeight)
        } else {
            emptyPanel(4, on: &canvas, note: "NO ENERGY")
        }
        // The prediction's panel is framed in the prediction's colour.
        outline(2, on: &canvas, color: Self.predictionColor)
        var line = "FRAME \(record.index)   PREDICTED \(step + 1)/\(total - contextCount)"
        if let energy = record.energy { line += String(format: "   ENERGY %.3g", energy) }
        if let expected = record.expectedPSNR { line += String(format: "   EXPECTED PSNR %.1f DB", expected) }
        if let psnr = record.psnr { line += String(format: "   MEASURED PSNR %.1f DB", psnr) }
        caption(on: &canvas, lines: [line, record.patchPSNR.isEmpty ? "" : "UNCERTAINTY MAP: EACH PATCH'S EXPECTED PSNR"])
        if !record.patchPSNR.isEmpty {
            PSNRHeat.drawLegend("", on: &canvas, x: panelX(4), y: panelY + panelHeight + gap + lineHeight, width: panelWidth, textScale: textScale)
        }
        timeline(on: &canvas, position: contextCount + step, total: total, contextCount: contextCount)
        return canvas
    }

    static let predictionColor: (UInt8, UInt8, UInt8) = (245, 150, 40)
    static let contextColor: (UInt8, UInt8, UInt8) = (120, 150, 200)

    /// Every panel's title; during the context only the context's is lit.
    func drawTitles(on canvas: inout Canvas, predicting: Bool) {
        for (i, title) in Self.titles.enumerated() {
            let lit = predicting ? i > 0 : i == 0
            let text = predicting && i == 0 ? "LAST CONTEXT" : title
            PixelFont.drawCentred(text, on: &canvas, centreX: panelX(i) + panelWidth / 2, y: gap, scale: textScale,
                                  color: lit ? (235, 235, 235) : (90, 90, 90))
        }
    }

    func emptyPanel(_ i: Int, on canvas: inout Canvas, note: String) {
        canvas.fill(x: panelX(i), y: panelY, width: panelWidth, height: panelHeight, color: (30, 30, 30))
        if !note.isEmpty {
            PixelFont.drawCentred(note, on: &canvas, centreX: panelX(i) + panelWidth / 2, y: panelY + panelHeight / 2 - 2 * textScale,
                                  scale: textScale, color: (150, 150, 150))
        }
    }

    func outline(_ i: Int, on canvas: inout Canvas, color: (UInt8, UInt8, UInt8)) {
        let (x, y, w, h, t) = (panelX(i) - textScale, panelY - textScale, panelWidth + 2 * textScale, panelHeight + 2 * textScale, textScale)
        for edge in [(x, y, w, t), (x, y + h - t, w, t), (x, y, t, h), (x + w - t, y, t, h)] {
            canvas.fill(x: edge.0, y: edge.1, width: edge.2, height: edge.3, color: color)
        }
    }

    /// The caption under the panels: up to two lines.
    func caption(on canvas: inout Canvas, lines: [String]) {
        let top = panelY + panelHeight + gap
        for (k, text) in lines.enumerated() {
            PixelFont.draw(text, on: &canvas, x: gap, y: top + k * lineHeight, scale: textScale)
        }
    }

    /// A bar of one slot per video position: context slots blue, predicted ones orange, the
    /// current one white, and a marker where the prediction begins.
    func timeline(on canvas: inout Canvas, position: Int, total: Int, contextCount: Int) {
        let top = height - timelineHeight + gap, barHeight = 3 * textScale
        let usable = width - 2 * gap
        func x(_ slot: Int) -> Int { gap + slot * usable / max(total, 1) }
        for slot in 0..<total {
            let color = slot == position ? (255, 255, 255) : slot < contextCount ? Self.contextColor : Self.predictionColor
            canvas.fill(x: x(slot) + 1, y: top, width: max(x(slot + 1) - x(slot) - 2, 1), height: barHeight, color: color)
        }
        let boundary = x(contextCount)
        canvas.fill(x: boundary - textScale / 2 - 1, y: top - gap / 2, width: textScale + 1, height: barHeight + gap, color: (255, 255, 255))
        let labelY = top + barHeight + gap / 2
        PixelFont.draw("CONTEXT", on: &canvas, x: gap, y: labelY, scale: textScale, color: Self.contextColor)
        PixelFont.draw("PREDICTION", on: &canvas, x: boundary + gap, y: labelY, scale: textScale, color: Self.predictionColor)
    }
}
