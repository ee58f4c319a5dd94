import Foundation
import XCTest
import EBT
import VideoIO
@testable import Pipeline

final class OverlayJobTests: XCTestCase {
    func testAtFullSizeThePictureIsTheClipsOwn() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-overlay-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A 100x60 clip: neither the working grid's shape nor the default 256.
        let clip = folder.appendingPathComponent("wide.mp4")
        let writer = try VideoWriter(url: clip, width: 100, height: 60, fps: 24)
        for t in 0..<8 {
            try writer.append(RGBFrame(width: 100, height: 60, pixels: (0..<(100 * 60 * 3)).map { UInt8(($0 / 3 % 100 * 2 + t * 5) % 256) }))
        }
        try writer.finish()
        var request = OverlayRequest(clip: clip, output: folder.appendingPathComponent("o.mp4"))
        request.size = nil
        _ = try OverlayJob(model: try untrainedModel()).run(request)
        let video = try VideoReader(url: request.output).metadata
        XCTAssertEqual([video.width, video.height], [100, 60 + OverlayStrip(width: 100).height])
    }

    func testOverlayWritesEveryFrameWithAStripAndScoresEachFrame() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-overlay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("o.mp4")
        var request = OverlayRequest(clip: committedClips.appendingPathComponent("s2024-003-bouncing.mp4"), output: output)
        request.size = 128
        let model = try untrainedModel()
        let result = try OverlayJob(model: model).run(request)
        XCTAssertEqual(result.energies.count, 96)
        XCTAssertEqual(result.energies[0], 0, "the first frame has no context to be scored against")
        XCTAssertTrue(result.energies.dropFirst().allSatisfy { $0 != 0 && $0.isFinite })
        XCTAssertEqual(result.surpriseScores.count, 96)
        XCTAssertTrue(result.surpriseScores.allSatisfy(\.isFinite))
        XCTAssertEqual(result.outliers, SurpriseScore.outliers(Array(result.surpriseScores.dropFirst(3))).map { $0 + 3 })
        let reader = try VideoReader(url: output)
        XCTAssertEqual(try reader.readAll().count, 96)
        XCTAssertEqual(reader.metadata.width, 128)
        XCTAssertEqual(reader.metadata.height, 128 + OverlayStrip(width: 128).height)

        // Beside the video, its scores as CSV and JSON, and nothing else (no temporary files).
        let csvFile = folder.appendingPathComponent("o.csv"), jsonFile = folder.appendingPathComponent("o.json")
        XCTAssertEqual(result.files, [output, csvFile, jsonFile])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["o.csv", "o.json", "o.mp4"])
        let rows = try String(contentsOf: csvFile, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.first, ["frame", "energy", "surprise_score", "expected_psnr_db", "surprise_psnr_db", "below_expected_db", "outlier", "cut"])
        XCTAssertEqual(rows.count, 97)
        for (t, row) in rows.dropFirst().enumerated() {
            XCTAssertEqual(row.count, 8)
            XCTAssertEqual(row[7], "0", "no scene cuts in one shot")
            XCTAssertEqual(Int(row[0]), t)
            XCTAssertEqual(try XCTUnwrap(Float(row[1])), result.energies[t], accuracy: abs(result.energies[t]) * 1e-5)
            XCTAssertEqual(try XCTUnwrap(Double(row[2])), result.surpriseScores[t], accuracy: abs(result.surpriseScores[t]) * 1e-5 + 1e-9)
            XCTAssertEqual(row[6], result.outliers.contains(t) ? "1" : "0")
            if t == 0 {
                XCTAssertEqual(row[3...5], ["", "", ""], "the first frame has no prediction to read as PSNR")
                continue
            }
            // The scale's dB, consistent with the energies it reads: the surprise PSNR is the excess's.
            let (expected, surprise) = (try XCTUnwrap(Double(row[3])), try XCTUnwrap(Double(row[4])))
            XCTAssertEqual(expected, result.expectedPSNR[t], accuracy: 1e-3)
            XCTAssertEqual(surprise, model.errorScale.surprisePSNR(excess: result.surpriseScores[t], patches: 16), accuracy: 1e-3)
            XCTAssertEqual(try XCTUnwrap(Double(row[5])), expected - surprise, accuracy: 1e-3)
        }
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: jsonFile)) as? [String: Any])
        XCTAssertEqual(json["outliers"] as? [Int], result.outliers)
        XCTAssertEqual(json["clip"] as? String, request.clip.relativePath)
        XCTAssertTrue((json["outlier_rule"] as? String)?.contains("5 robust standard deviations") ?? false)
        XCTAssertTrue((json["error_scale"] as? String)?.contains("codec's conversion") ?? false, "an uncalibrated model says which scale it used")
        let frames = try XCTUnwrap(json["frames"] as? [[String: Any]])
        XCTAssertEqual(frames.count, 96)
        XCTAssertEqual(frames.compactMap { $0["outlier"] as? Bool }.enumerated().filter(\.element).map(\.offset), result.outliers)
        XCTAssertEqual(try XCTUnwrap(frames[40]["surprise_score"] as? Double), result.surpriseScores[40], accuracy: 1e-9)
        XCTAssertEqual(frames[40]["frame"] as? Int, 40)

        request.output = folder.appendingPathComponent("b.mp4")
        XCTAssertThrowsError(try OverlayJob(model: try untrainedModel(kind: .baseline)).run(request)) { XCTAssertTrue("\($0)".contains("EBT")) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["o.csv", "o.json", "o.mp4"],
                       "a failed overlay writes neither the video nor its scores")
    }

    func testOutlierListsAreShortenedToTheirCountAndFirstFrames() {
        XCTAssertEqual(OutlierList.short([]), "none")
        XCTAssertEqual(OutlierList.short([53]), "1 (frame 53)")
        XCTAssertEqual(OutlierList.short([53, 70]), "2 (frames 53, 70)")
        XCTAssertEqual(OutlierList.short([1, 2, 3, 4, 5]), "5 (frames 1, 2, 3, 4, 5)")
        XCTAssertEqual(OutlierList.short(Array(10..<480)), "470 (frames 10, 11, 12, 13, 14 and 465 more)")
    }

    func testOutliersAreTheValuesFarAboveTheRest() {
        var values: [Double] = (0..<40).map { 10 + Double($0 % 5) * 0.1 }
        values[17] = 30
        values[3] = 10.5
        XCTAssertEqual(SurpriseScore.outliers(values), [17])
        values[17] = 10.6
        XCTAssertEqual(SurpriseScore.outliers(values), [], "within the clip's usual spread")
        XCTAssertEqual(SurpriseScore.outliers([1, 2, 30]), [], "too few frames to judge")
    }
}
