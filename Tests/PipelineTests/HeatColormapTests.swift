import Foundation
import XCTest
@testable import Pipeline

/// The heat colour scale and the legend that explains it.
final class HeatColormapTests: XCTestCase {
    /// CIE L* (0 black ... 100 white) of an sRGB colour.
    func lightness(_ color: (UInt8, UInt8, UInt8)) -> Double {
        func linear(_ c: UInt8) -> Double {
            let v = Double(c) / 255
            return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
        }
        let y = 0.2126 * linear(color.0) + 0.7152 * linear(color.1) + 0.0722 * linear(color.2)
        return y > 216.0 / 24389 ? 116 * pow(y, 1.0 / 3) - 16 : y * 24389 / 27
    }

    func testLightnessRisesEvenlyFromDarkToBright() {
        let samples = (0...255).map { lightness(HeatColormap.color(Float($0) / 255)) }
        for k in 1..<samples.count {
            XCTAssertGreaterThanOrEqual(samples[k], samples[k - 1] - 0.3, "lightness falls at \(k)/255 (rounding aside)")
        }
        XCTAssertLessThan(samples[0], 8, "starts near black")
        XCTAssertGreaterThan(samples[255], 90, "ends near white")
        // Perceptually even: lightness stays close to the straight line between its ends.
        for (k, l) in samples.enumerated() {
            let line = samples[0] + (samples[255] - samples[0]) * Double(k) / 255
            XCTAssertEqual(l, line, accuracy: 3, "at \(k)/255")
        }
        XCTAssertEqual(lightness(HeatColormap.color(.nan)), samples[0], "NaN draws as the bottom of the scale")
    }

    func testHeatIsClearWhereLowAndMostlyOpaqueWhereHigh() {
        XCTAssertEqual(HeatColormap.opacity(0), 0)
        XCTAssertEqual(HeatColormap.opacity(-1), 0)
        XCTAssertGreaterThan(HeatColormap.opacity(1), 0.75)
        let steps = (0...20).map { HeatColormap.opacity(Float($0) / 20) }
        XCTAssertEqual(steps, steps.sorted())
        XCTAssertLessThan(HeatColormap.opacity(0.25), 0.15, "a low score leaves the picture almost untouched")
    }

    func testPSNRLevelsRunFromClearToHot() {
        XCTAssertEqual(PSNRHeat.level(PSNRHeat.clear), 0)
        XCTAssertEqual(PSNRHeat.level(PSNRHeat.clear + 20), 0)
        XCTAssertEqual(PSNRHeat.level(PSNRHeat.hot), 1)
        XCTAssertEqual(PSNRHeat.level(.nan), 0)
        XCTAssertGreaterThan(PSNRHeat.level(20), PSNRHeat.level(30), "lower PSNR, more heat")
    }

    func color(_ canvas: Canvas, _ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * canvas.width + x) * 3
        return (canvas.pixels[i], canvas.pixels[i + 1], canvas.pixels[i + 2])
    }

    /// The overlay's strip: a colour bar that brightens along its length, every tick's dB value
    /// written under it, and a gauge filled as far as the frame's surprise PSNR on that scale.
    func testTheStripsLegendCarriesItsDecibelsAndTheGaugeFollowsTheScore() {
        let strip = OverlayStrip(width: 256), ts = strip.textScale
        XCTAssertEqual(OverlayStrip(width: 512).textScale, 2 * ts, "text grows with the picture")
        var canvas = Canvas(width: 256, height: strip.height)
        strip.draw(on: &canvas, top: 0, frame: 1, surprisePSNR: [.nan, 20], expectedPSNR: [.nan, 35], outliers: [], cuts: [])
        let (barLeft, barWidth) = strip.bar
        let barY = strip.legendTop + ts
        let along = (0..<10).map { lightness(color(canvas, barLeft + $0 * (barWidth - 1) / 9, barY)) }
        XCTAssertEqual(along, along.sorted(), "the legend's bar runs dark to bright")
        XCTAssertGreaterThan(along[9] - along[0], 70)
        func textPixels(x: Int, y: Int, width: Int, height: Int) -> Int {
            var count = 0
            for row in y..<(y + height) { for column in max(x, 0)..<min(x + width, 256) where lightness(color(canvas, column, row)) > 80 { count += 1 } }
            return count
        }
        let labelY = strip.legendTop + (PixelFont.glyphHeight + 1) * ts
        for tick in PSNRHeat.ticks {
            let x = barLeft + Int(Float(barWidth - 1) * PSNRHeat.level(tick))
            XCTAssertGreaterThan(textPixels(x: x - 4 * ts, y: labelY, width: 8 * ts, height: PixelFont.glyphHeight * ts), 4 * ts * ts,
                                 "the \(tick) dB label")
        }
        XCTAssertGreaterThan(textPixels(x: barLeft + barWidth, y: labelY, width: 14 * ts, height: PixelFont.glyphHeight * ts), 4 * ts * ts, "the unit")
        XCTAssertGreaterThan(textPixels(x: 0, y: strip.margin, width: 256, height: PixelFont.glyphHeight * ts), 40, "the score in words")
        // The gauge: filled in heat up to 20 dB, empty beyond.
        let gaugeY = strip.gaugeTop + ts, end = barLeft + Int(Float(barWidth - 1) * PSNRHeat.level(20))
        XCTAssertTrue(color(canvas, end - 2, gaugeY) != (50, 50, 50), "filled up to the score")
        XCTAssertTrue(color(canvas, end + 3 * ts, gaugeY) == (50, 50, 50), "empty beyond it")
    }
}
