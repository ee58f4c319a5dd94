import Foundation

/// The report's charts as inline SVG: a plotting area with labelled numeric axes (tick marks,
/// tick numbers, a name on each axis), and lines or points drawn into it.
struct SVGChart {
    static let (width, height) = (400.0, 250.0)
    static let (left, right, top, bottom) = (58.0, 14.0, 12.0, 42.0)

    let x: AxisTicks
    let y: AxisTicks

    /// Where a value lands in the picture.
    func position(_ value: Double, _ other: Double) -> (Double, Double) {
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        return (Self.left + plotWidth * (value - x.low) / (x.high - x.low),
                Self.height - Self.bottom - plotHeight * (other - y.low) / (y.high - y.low))
    }

    /// Lines over frames ahead 1, 2, ...; each series is (name, values, colour), empty ones skipped.
    static func lines(_ series: [(String, [Double], String)], xLabel: String, yLabel: String, name: String) -> String {
        let drawn = series.filter { !$0.1.isEmpty }
        let all = drawn.flatMap(\.1).filter(\.isFinite)
        guard let low = all.min(), let high = all.max(), let length = drawn.map(\.1.count).max() else {
            return Markup.element("p", text: "no rollouts")
        }
        let chart = SVGChart(x: AxisTicks(low: 1, high: Double(Swift.max(length, 2)), count: Swift.min(length, 8)), y: AxisTicks(low: low, high: high))
        var body = chart.axes(xLabel: xLabel, yLabel: yLabel)
        for (index, (label, values, color)) in drawn.enumerated() {
            let points = values.enumerated().filter { $0.element.isFinite }.map { step, value in
                let (px, py) = chart.position(Double(step + 1), value)
                return String(format: "%.1f,%.1f", px, py)
            }
            body += Markup.empty("polyline", ["fill": "none", "stroke": color, "stroke-width": "2", "points": points.joined(separator: " ")])
            body += Markup.element("text", ["x": format(width - right - 6), "y": format(top + 14 + 14 * Double(index)), "font-size": "11",
                                            "text-anchor": "end", "fill": color], text: label)
        }
        return svg(body, name: name)
    }

    /// One dot per point; with `diagonal`, the line where y equals x (both axes share a unit).
    static func scatter(_ points: [(Double, Double)], xLabel: String, yLabel: String, name: String, diagonal: Bool = false) -> String {
        let finite = points.filter { $0.0.isFinite && $0.1.isFinite }
        guard let xLow = finite.map(\.0).min(), let xHigh = finite.map(\.0).max(),
              let yLow = finite.map(\.1).min(), let yHigh = finite.map(\.1).max() else {
            return Markup.element("p", text: "no energies (a baseline model has none)")
        }
        let chart = SVGChart(x: AxisTicks(low: xLow, high: xHigh), y: AxisTicks(low: yLow, high: yHigh))
        var body = chart.axes(xLabel: xLabel, yLabel: yLabel)
        let (low, high) = (Swift.max(chart.x.low, chart.y.low), Swift.min(chart.x.high, chart.y.high))
        if diagonal && low < high {
            let (x1, y1) = chart.position(low, low), (x2, y2) = chart.position(high, high)
            body += Markup.empty("line", ["x1": format(x1), "y1": format(y1), "x2": format(x2), "y2": format(y2), "stroke": "#aaa", "stroke-dasharray": "4 3"])
        }
        for (px, py) in finite {
            let (cx, cy) = chart.position(px, py)
            body += Markup.empty("circle", ["cx": format(cx), "cy": format(cy), "r": "1.8", "fill": "#5f3dc4", "fill-opacity": "0.5"])
        }
        return svg(body, name: name)
    }

    /// The plotting area's frame, each axis's ticks with their numbers, and the axis names.
    func axes(xLabel: String, yLabel: String) -> String {
        let (w, h) = (Self.width, Self.height)
        let (plotLeft, plotBottom) = (Self.left, h - Self.bottom)
        var body = Markup.empty("rect", ["x": Self.format(plotLeft), "y": Self.format(Self.top), "width": Self.format(w - Self.left - Self.right),
                                         "height": Self.format(h - Self.top - Self.bottom), "fill": "none", "stroke": "#999"])
        for value in x.values {
            let (px, _) = position(value, y.low)
            body += Markup.empty("line", ["x1": Self.format(px), "y1": Self.format(plotBottom), "x2": Self.format(px), "y2": Self.format(plotBottom + 4), "stroke": "#999"])
            body += Markup.element("text", ["x": Self.format(px), "y": Self.format(plotBottom + 15), "font-size": "10", "text-anchor": "middle"], text: x.label(value))
        }
        for value in y.values {
            let (_, py) = position(x.low, value)
            body += Markup.empty("line", ["x1": Self.format(plotLeft - 4), "y1": Self.format(py), "x2": Self.format(plotLeft), "y2": Self.format(py), "stroke": "#999"])
            body += Markup.element("text", ["x": Self.format(plotLeft - 6), "y": Self.format(py + 3.5), "font-size": "10", "text-anchor": "end"], text: y.label(value))
        }
        body += Markup.element("text", ["x": Self.format(Self.left + (w - Self.left - Self.right) / 2), "y": Self.format(h - 6),
                                        "font-size": "11", "text-anchor": "middle"], text: xLabel)
        let middle = Self.format(Self.top + (h - Self.top - Self.bottom) / 2)
        body += Markup.element("text", ["x": "12", "y": middle, "font-size": "11", "text-anchor": "middle",
                                        "transform": "rotate(-90 12 \(middle))"], text: yLabel)
        return body
    }

    static func svg(_ body: String, name: String) -> String {
        Markup.element("svg", ["xmlns": "http://www.w3.org/2000/svg", "class": name, "width": format(width), "height": format(height),
                               "viewBox": "0 0 \(format(width)) \(format(height))", "font-family": "sans-serif"], body)
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
