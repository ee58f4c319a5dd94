import Foundation
import XCTest
@testable import Pipeline

/// report.html is valid HTML that a parser and a browser build as written: every point of the
/// scatter is its own element, axes carry numbers, within-clip figures stand beside pooled ones,
/// and paths are relative to the report.
final class EvalReportTests: XCTestCase {
    /// Two clips of 30 frames whose energy ranks error perfectly in one (+1) and backwards in the
    /// other (−1), the second at higher energies and errors, so pooled the energy looks good
    /// (Spearman 0.750, by 1 − 6Σd²/(n(n²−1)) with Σd² = 8990 and n = 60) while the clips' mean
    /// is 0; and a failed clip.
    func records(in folder: URL) -> [ClipEvaluation] {
        func quality(_ psnr: Double) -> Quality { Quality(psnr: psnr, ssim: 0.9, mse: 10, embeddingMSE: 0.01) }
        var agreeing = ClipEvaluation(clip: folder.appendingPathComponent("clips/a.mp4").path)
        agreeing.energies = (0..<30).map(Float.init)
        agreeing.errors = (0..<30).map(Double.init)
        agreeing.surprises = (0..<30).map { $0 == 10 }
        agreeing.surpriseEnergies = (0..<30).map { Float($0) + ($0 == 10 ? 50 : 1) }
        var reversed = ClipEvaluation(clip: folder.appendingPathComponent("clips/b \"quoted\" <&>.mp4").path)
        reversed.energies = (0..<30).map { 100 + Float($0) }
        reversed.errors = (0..<30).map { 1000 - Double($0) }
        reversed.surprises = (0..<30).map { $0 == 5 }
        reversed.surpriseEnergies = (0..<30).map { 100 + Float($0) + ($0 == 5 ? 0 : 1) }
        for i in [0, 1] {
            var clip = i == 0 ? agreeing : reversed
            clip.frames = 30
            clip.frameIndices = Array(4..<34)
            clip.frameDifferences = (0..<30).map(Double.init)
            clip.model = quality(30 + Double(i))
            clip.copyLast = quality(25)
            clip.motion = quality(29)
            clip.horizonPSNR = [30, 28, 26, 25]
            clip.horizonPSNRCopyLast = [25, 22, 20, 19]
            clip.horizonPSNRMotion = [29, 27, 25, 23]
            if i == 0 { agreeing = clip } else { reversed = clip }
        }
        let failed = ClipEvaluation(clip: folder.appendingPathComponent("clips/broken.mp4").path, error: "broken.mp4: <not a video> & more")
        return [agreeing, reversed, failed]
    }

    func writeReport() throws -> (page: URL, folder: URL) {
        let folder = try scratchFolder(for: self)
        let results = records(in: folder)
        let out = folder.appendingPathComponent("out/eval")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let summary = EvalSummary(results, thinkSteps: 2, seconds: 3)
        let thumbnail = EvalReport.Thumbnail(caption: "a.mp4 (+5.00 dB)", rgb: [UInt8](repeating: 90, count: 8 * 8 * 3), width: 8, height: 8)
        let page = EvalReport.html(summary: summary, results: results, modelPath: folder.appendingPathComponent("models/m.safetensors").path,
                                   thumbnails: [thumbnail], folder: out)
        let url = out.appendingPathComponent("report.html")
        try Data(page.utf8).write(to: url)
        return (url, folder)
    }

    func testTheReportIsStrictlyValidAndTheScatterHasADotPerFrame() throws {
        let (page, folder) = try writeReport()
        let report = try StrictHTMLChecker.check(page)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.svg("scatter")?.counts["circle"], 60, "one dot per frame with an energy")
        XCTAssertEqual(report.svg("rollout")?.counts["polyline"], 3)
        // Energies 0...129 tick at 0, 50, 100, 150; errors 0...1000 at 0, 200, ..., 1000: one mark
        // and one number per tick, and the two axis names.
        XCTAssertEqual(report.svg("scatter")?.counts["line"], 10)
        XCTAssertEqual(report.svg("scatter")?.counts["text"], 12)
        XCTAssertTrue(report.text.contains("0 50 100 150 0 200 400 600 800 1000 final energy pixel MSE"), report.text)
        // Rollouts of four frames tick at 1, 2, 3, 4 frames ahead.
        XCTAssertTrue(report.text.contains("1 2 3 4 "), report.text)

        // Pooled beside within clips: 0.750 pooled, a mean of 0 within, one clip reversed.
        XCTAssertTrue(report.text.contains("energy–error Spearman, per frame 0.750 0.000 -1.000 b \"quoted\" <&>.mp4 1 of 2 below 0"), report.text)
        XCTAssertTrue(report.text.contains("surprise AUROC 0.500 0.500 0.000 b \"quoted\" <&>.mp4 1 of 2 below 0.5"), report.text)

        // Paths from the report's folder; the page never names the absolute ones.
        XCTAssertTrue(report.text.contains("Model ../../models/m.safetensors"), report.text)
        XCTAssertTrue(report.text.contains("../../clips/a.mp4 30 30.00"), report.text)
        XCTAssertTrue(report.text.contains("broken.mp4: <not a video> & more"), report.text)
        XCTAssertFalse(try String(contentsOf: page, encoding: .utf8).contains(folder.path))

        for term in ["PSNR", "SSIM", "AUROC", "Spearman", "copy-last", "motion baseline", "energy", "surprise score", "pooled and within clips"] {
            XCTAssertTrue(report.text.contains("Glossary") && report.text.contains(" \(term) "), term)
        }
    }

    /// The check itself catches the page the report used to write: an unquoted attribute ending
    /// in `/` that leaves each circle open inside the one before.
    func testTheCheckerRefusesUnquotedAttributesAndUnclosedElements() throws {
        let folder = try scratchFolder(for: self)
        let url = folder.appendingPathComponent("old.html")
        try Data("<!doctype html><html><body><p>a & b</p><svg class=scatter><circle cx=1 fill-opacity=.5/><circle cx=\"2\"/></svg><div/></body></html>".utf8).write(to: url)
        let report = try StrictHTMLChecker.check(url)
        XCTAssertEqual(report.problems.count, 5, report.problems.joined(separator: "\n"))
        XCTAssertTrue(report.problems.contains { $0.contains("bare &") })
        XCTAssertTrue(report.problems.contains { $0.contains("<svg> has an attribute") })
        XCTAssertTrue(report.problems.contains { $0.contains("<circle> has an attribute") })
        XCTAssertTrue(report.problems.contains { $0.contains("</svg> while <circle> is open") })
        XCTAssertTrue(report.problems.contains { $0.contains("<div/> is not a void element") })
    }

    /// Headless Chromium builds every circle of the scatter as its own empty element (an open
    /// circle would swallow the next). Skipped where Chromium is not installed.
    func testChromiumRendersEveryDotOfTheScatter() throws {
        let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome-headless-shell"]
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let browser = names.lazy.flatMap({ name in path.split(separator: ":").map { "\($0)/\(name)" } })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("Chromium is not installed: the rendering check is skipped")
        }
        let (page, folder) = try writeReport()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--disable-gpu", "--no-sandbox", "--user-data-dir=\(folder.appendingPathComponent("profile").path)",
                             "--dump-dom", page.absoluteString]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let scatter = try XCTUnwrap(dom.range(of: "class=\"scatter\"").map { String(dom[$0.upperBound...]) }, "the scatter is in the rendered page")
        let chart = String(scatter[..<(scatter.range(of: "</svg>")?.lowerBound ?? scatter.endIndex)])
        XCTAssertEqual(chart.components(separatedBy: "<circle").count - 1, 60)
        XCTAssertEqual(try NSRegularExpression(pattern: "<circle[^>]*></circle>").numberOfMatches(in: chart, range: NSRange(chart.startIndex..., in: chart)), 60)
    }

    func testTicksAreRoundNumbersSpanningTheData() {
        XCTAssertEqual(AxisTicks(low: 0.3, high: 9.7).values, [0, 2, 4, 6, 8, 10])
        let small = AxisTicks(low: -0.04, high: 0.93)
        XCTAssertEqual(small.values.map(small.label), ["-0.2", "0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let flat = AxisTicks(low: 5, high: 5)
        XCTAssertEqual(flat.values.map(flat.label), ["4.4", "4.6", "4.8", "5.0", "5.2", "5.4", "5.6"])
        XCTAssertEqual(AxisTicks(low: 0, high: 129).values, [0, 50, 100, 150])
        let fine = AxisTicks(low: 0.912, high: 0.958)
        XCTAssertEqual(fine.values.map(fine.label), ["0.91", "0.92", "0.93", "0.94", "0.95", "0.96"])
    }

    func testPathsAreRelativeToTheReportsFolder() {
        let folder = URL(fileURLWithPath: "/data/runs/eval")
        XCTAssertEqual(RelativePath.of("/data/clips/a.mp4", from: folder), "../../clips/a.mp4")
        XCTAssertEqual(RelativePath.of("/data/runs/eval/clips/x.json", from: folder), "clips/x.json")
        XCTAssertEqual(RelativePath.of("/data/m.safetensors", from: folder), "../../m.safetensors")
        XCTAssertEqual(RelativePath.of("/other/m.safetensors", from: folder), "/other/m.safetensors", "nothing shared but the root")
    }

    func testMarkupQuotesAndEscapes() {
        XCTAssertEqual(Markup.element("td", ["title": "a \"b\" & <c>"], text: "x < y & z"),
                       "<td title=\"a &quot;b&quot; &amp; &lt;c&gt;\">x &lt; y &amp; z</td>")
        XCTAssertEqual(Markup.empty("circle", ["cx": "1.0", "fill-opacity": "0.5"]), "<circle cx=\"1.0\" fill-opacity=\"0.5\"/>")
    }
}
