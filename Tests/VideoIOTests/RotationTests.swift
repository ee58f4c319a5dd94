import XCTest
@testable import VideoIO

/// A phone clip stores its frames as the sensor saw them and a display matrix saying how a
/// player turns them: the reader turns them the same way, unless asked to keep them as stored.
final class RotationTests: XCTestCase {
    /// 64x32 as stored, grey, with a red block in the stored top-left corner and a blue one in
    /// the stored top-right corner.
    private func markedFrames() -> [RGBFrame] {
        var frame = RGBFrame(width: 64, height: 32)
        for y in 0..<32 {
            for x in 0..<64 {
                let color: [UInt8] = y < 8 && x < 8 ? [220, 0, 0] : y < 8 && x >= 56 ? [0, 0, 220] : [128, 128, 128]
                frame.pixels.replaceSubrange((y * 64 + x) * 3 ..< (y * 64 + x) * 3 + 3, with: color)
            }
        }
        return [frame, frame, frame]
    }

    private func color(_ frame: RGBFrame, _ x: Int, _ y: Int) -> String {
        let i = (y * frame.width + x) * 3, (r, g, b) = (frame.pixels[i], frame.pixels[i + 1], frame.pixels[i + 2])
        if r > 170 && g < 70 && b < 70 { return "red" }
        if b > 170 && r < 70 && g < 70 { return "blue" }
        if abs(Int(r) - 128) < 30 && abs(Int(g) - 128) < 30 && abs(Int(b) - 128) < 30 { return "grey" }
        return "(\(r),\(g),\(b))"
    }

    /// Turned clockwise as a player shows it: a quarter turn takes the stored top-left corner to
    /// the top right and the stored top-right corner to the bottom right; a half turn takes
    /// them to the bottom right and bottom left; three quarters to the bottom left and top left.
    func testARotatedClipDecodesUprightWithItsCornersWhereAPlayerShowsThem() throws {
        let directory = try makeTemporaryDirectory(self)
        let expected: [(rotation: Int, size: (Int, Int), red: (Int, Int), blue: (Int, Int))] = [
            (90, (32, 64), (28, 4), (28, 60)),
            (180, (64, 32), (60, 28), (4, 28)),
            (270, (32, 64), (4, 60), (4, 4)),
        ]
        for case let (rotation, size, red, blue) in expected {
            let url = try writeClip(markedFrames(), to: directory.appendingPathComponent("r\(rotation).mp4"), options: WriteOptions(rotation: rotation))
            let reader = try VideoReader(url: url)
            XCTAssertEqual(reader.metadata.width, 64, "the stored size is what the container states")
            XCTAssertEqual(reader.outputSize.width, size.0, "\(rotation)")
            XCTAssertEqual(reader.outputSize.height, size.1, "\(rotation)")
            let frames = try reader.readAll()
            XCTAssertEqual(frames.count, 3)
            let frame = try XCTUnwrap(frames.first)
            XCTAssertEqual([frame.width, frame.height], [size.0, size.1], "\(rotation)")
            XCTAssertEqual(color(frame, red.0, red.1), "red", "\(rotation)")
            XCTAssertEqual(color(frame, blue.0, blue.1), "blue", "\(rotation)")
            XCTAssertEqual(color(frame, frame.width / 2, frame.height / 2), "grey", "\(rotation)")
        }
    }

    func testARequestedSizeIsTheUprightPictures() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = try writeClip(markedFrames(), to: directory.appendingPathComponent("r90.mp4"), options: WriteOptions(rotation: 90))
        // Upright the picture is 32x64: asked for 16x32 it is scaled whole, not cropped.
        let frame = try XCTUnwrap(try VideoReader(url: url, options: ReadOptions(width: 16, height: 32)).nextFrame())
        XCTAssertEqual([frame.width, frame.height], [16, 32])
        XCTAssertEqual(color(frame, 14, 2), "red")
        XCTAssertEqual(color(frame, 14, 30), "blue")
        XCTAssertEqual(color(frame, 2, 16), "grey")
    }

    func testKeepingTheOrientationReadsTheFramesAsStored() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = try writeClip(markedFrames(), to: directory.appendingPathComponent("r90.mp4"), options: WriteOptions(rotation: 90))
        let reader = try VideoReader(url: url, options: ReadOptions(keepOrientation: true))
        XCTAssertEqual(reader.metadata.rotation, 90, "the rotation is still reported")
        XCTAssertEqual(reader.outputSize.width, 64)
        XCTAssertEqual(reader.outputSize.height, 32)
        let frame = try XCTUnwrap(try reader.nextFrame())
        XCTAssertEqual([frame.width, frame.height], [64, 32])
        XCTAssertEqual(color(frame, 4, 4), "red")
        XCTAssertEqual(color(frame, 60, 4), "blue")
    }

    func testOnlyQuarterTurnsAreApplied() {
        XCTAssertEqual([0, 90, 180, 270, 360, -90, 45, 91].map(FrameRotation.quarterTurn), [0, 90, 180, 270, 0, 270, 0, 0])
    }
}
