import DefaultModel
import Foundation
import XCTest

/// `ebtvid overlay` writes the video and its scores beside it, and prints the outliers briefly.
final class OverlayCommandTests: XCTestCase {
    private let clips = repositoryRoot.appendingPathComponent("clips")

    func testOverlayWritesScoresBesideTheVideoAndPrintsOutliersInShort() throws {
        let directory = try scratchDirectory(for: self)
        let video = directory.appendingPathComponent("shapes.mp4")
        // Shapes bouncing and occluding each other: the shipped model flags several frames.
        let result = try EbtvidProcess.run(["overlay", clips.appendingPathComponent("s2024-000-bouncing.mp4").path, "--size", "64", "--out", video.path],
                                           environment: [DefaultModel.environmentVariable: ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["shapes.csv", "shapes.json", "shapes.mp4"])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("shapes.json"))) as? [String: Any])
        let outliers = try XCTUnwrap(json["outliers"] as? [Int])
        XCTAssertGreaterThan(outliers.count, 5, "enough outliers to be shortened")
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        let listed = outliers.prefix(5).map(String.init).joined(separator: ", ")
        XCTAssertEqual(lines.dropFirst().first, "96 frames; outliers: \(outliers.count) (frames \(listed) and \(outliers.count - 5) more); scene cuts: none")
        XCTAssertTrue(lines.contains { $0.hasPrefix("surprise PSNR: median ") && $0.contains(" dB") }, "\(lines)")
        // Off a terminal, progress is plain lines on stderr.
        XCTAssertTrue(result.stderr.contains("] scoring frame "), result.stderr)
        XCTAssertEqual(lines.last, "wrote \(video.path), \(directory.appendingPathComponent("shapes.csv").path), \(directory.appendingPathComponent("shapes.json").path)")
    }
}
