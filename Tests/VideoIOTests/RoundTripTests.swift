import XCTest
@testable import VideoIO

/// Synthesize → encode H.264 mp4 → decode: what goes in must come back.
final class RoundTripTests: XCTestCase {
    func testSyntheticClipSurvivesH264RoundTripAbove35dB() throws {
        let directory = try makeTemporaryDirectory(self)
        // Seed 4 holds the hardest bouncing clip found (four overlapping textured shapes).
        for seed: UInt64 in [4, 11] { for kind in SyntheticClip.Kind.allCases {
            let clip = SyntheticClip(seed: seed, kind: kind, size: 64, frameCount: 30, fps: 25, surprises: true)
            let written = clip.frames()
            let url = try writeClip(written, to: directory.appendingPathComponent("\(seed)-\(kind).mp4"), fps: 25)

            let reader = try VideoReader(url: url)
            XCTAssertEqual(reader.metadata.codec, "h264")
            XCTAssertEqual(reader.metadata.width, 64)
            XCTAssertEqual(reader.metadata.height, 64)
            XCTAssertEqual(reader.metadata.fps, 25, accuracy: 1e-9)
            XCTAssertEqual(reader.metadata.frameCount, 30)
            XCTAssertEqual(reader.metadata.duration ?? 0, 30.0 / 25, accuracy: 1e-6)
            let read = try reader.readAll()
            XCTAssertEqual(read.count, written.count, "\(kind)")
            XCTAssertTrue(reader.warnings.isEmpty, "\(reader.warnings)")
            for (index, (original, decoded)) in zip(written, read).enumerated() {
                XCTAssertEqual(decoded.width, 64)
                XCTAssertEqual(decoded.sourceIndex, index)
                XCTAssertEqual(decoded.time, Double(index) / 25, accuracy: 1e-6)
                let quality = psnr(original, decoded)
                XCTAssertGreaterThanOrEqual(quality, 35, "\(kind) seed \(seed) frame \(index): \(quality) dB")
            }
        } }
    }

    func testRoundTripIsNotTrivial() throws {
        // Guard against a PSNR helper or reader that would pass anything: a shifted clip must fail.
        let frames = SyntheticClip(seed: 3, kind: .pan, size: 64, frameCount: 4, surprises: false).frames()
        XCTAssertLessThan(psnr(frames[0], frames[3]), 30)
        XCTAssertEqual(psnr(frames[1], frames[1]), .infinity)
    }

    func testMP4IsFastStartAndTimestampsIncrease() throws {
        let directory = try makeTemporaryDirectory(self)
        let frames = SyntheticClip(seed: 5, kind: .bouncing, size: 32, frameCount: 10, surprises: false).frames()
        let url = try writeClip(frames, to: directory.appendingPathComponent("fast.mp4"), fps: 30)
        let bytes = try Data(contentsOf: url)
        let moov = bytes.range(of: Data("moov".utf8))?.lowerBound, mdat = bytes.range(of: Data("mdat".utf8))?.lowerBound
        XCTAssertNotNil(moov)
        XCTAssertLessThan(moov ?? .max, mdat ?? 0, "moov must precede mdat (faststart)")
        let times = try VideoReader(url: url).readAll().map(\.time)
        XCTAssertEqual(times, (0..<10).map { Double($0) / 30 }, accuracy: 1e-6)
    }
}

func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
