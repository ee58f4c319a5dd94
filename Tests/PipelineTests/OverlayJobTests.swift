import Foundation
import XCTest
import EBT
import VideoIO
@testable import Pipeline

final class OverlayJobTests: XCTestCase {
    func testOverlayWritesEveryFrameWithAStripAndScoresEachFrame() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-overlay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("o.mp4")
        var request = OverlayRequest(clip: committedClips.appendingPathComponent("s2024-003-bouncing.mp4"), output: output)
        request.size = 128
        let result = try OverlayJob(model: try untrainedModel()).run(request)
        XCTAssertEqual(result.energies.count, 96)
        XCTAssertEqual(result.energies[0], 0, "the first frame has no context to be scored against")
        XCTAssertTrue(result.energies.dropFirst().allSatisfy { $0 != 0 && $0.isFinite })
        XCTAssertEqual(result.surpriseScores.count, 96)
        XCTAssertTrue(result.surpriseScores.allSatisfy(\.isFinite))
        XCTAssertEqual(result.outliers, SurpriseScore.outliers(Array(result.surpriseScores.dropFirst(3))).map { $0 + 3 })
        let reader = try VideoReader(url: output)
        XCTAssertEqual(try reader.readAll().count, 96)
        XCTAssertEqual(reader.metadata.width, 128)
        XCTAssertEqual(reader.metadata.height, 128 + OverlayJob.stripHeight)

        request.output = folder.appendingPathComponent("b.mp4")
        XCTAssertThrowsError(try OverlayJob(model: try untrainedModel(kind: .baseline)).run(request)) { XCTAssertTrue("\($0)".contains("EBT")) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: request.output.path))
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
