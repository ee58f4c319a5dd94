import XCTest
@testable import VideoIO

/// Stride, start, max frames, target fps and the resize policy pick and shape the right frames.
final class FrameSelectionTests: XCTestCase {
    private var clip: URL!
    private var original: [RGBFrame] = []

    override func setUpWithError() throws {
        let directory = try makeTemporaryDirectory(self)
        original = SyntheticClip(seed: 21, kind: .bouncing, size: 64, frameCount: 24, fps: 24, surprises: false).frames()
        clip = try writeClip(original, to: directory.appendingPathComponent("clip.mp4"), fps: 24)
    }

    private func indices(_ options: ReadOptions) throws -> [Int] {
        try VideoReader(url: clip, options: options).readAll().map(\.sourceIndex)
    }

    func testStrideStartAndMaxFrames() throws {
        XCTAssertEqual(try indices(ReadOptions()), Array(0..<24))
        XCTAssertEqual(try indices(ReadOptions(stride: 5)), [0, 5, 10, 15, 20])
        XCTAssertEqual(try indices(ReadOptions(stride: 3, start: 4)), [4, 7, 10, 13, 16, 19, 22])
        XCTAssertEqual(try indices(ReadOptions(stride: 2, start: 1, maxFrames: 3)), [1, 3, 5])
    }

    func testSelectedFramesHoldTheirOwnPictures() throws {
        let frames = try VideoReader(url: clip, options: ReadOptions(stride: 7)).readAll()
        for frame in frames {
            XCTAssertGreaterThan(psnr(frame, original[frame.sourceIndex]), 35, "frame \(frame.sourceIndex)")
        }
    }

    func testTargetFPSDropsAndRepeatsByTimestamp() throws {
        XCTAssertEqual(try indices(ReadOptions(targetFPS: 12)), Array(stride(from: 0, to: 24, by: 2)))
        XCTAssertEqual(try indices(ReadOptions(targetFPS: 8)), Array(stride(from: 0, to: 24, by: 3)))
        // Each 48 fps slot takes the nearest source frame (ties go to the earlier one).
        XCTAssertEqual(try indices(ReadOptions(targetFPS: 48, maxFrames: 8)), [0, 0, 1, 1, 2, 2, 3, 3])
        XCTAssertEqual(try indices(ReadOptions(targetFPS: 48)).count, 48)
        XCTAssertEqual(try indices(ReadOptions(targetFPS: 10)).count, 10, "one second of video at 10 fps")
    }

    func testStartPastTheEndWarnsAndDeliversNothing() throws {
        let reader = try VideoReader(url: clip, options: ReadOptions(start: 100))
        XCTAssertNil(try reader.nextFrame())
        XCTAssertEqual(reader.warnings.count, 1)
        XCTAssertTrue(reader.warnings[0].contains("past the end"), reader.warnings[0])
    }

    func testCentreCropRemovesTheLongSidesEdgesWhileStretchKeepsThem() throws {
        let directory = try makeTemporaryDirectory(self)
        let banded = try writeClip([RGBFrame](repeating: bandedFrame(width: 64, height: 64), count: 3),
                                   to: directory.appendingPathComponent("bands.mp4"))
        // 32x16 is 2:1, so the crop keeps the middle half of the rows: all grey (but for a little
        // chroma bleeding from the neighbouring bands through 4:2:0 subsampling).
        let cropped = try XCTUnwrap(VideoReader(url: banded, options: ReadOptions(width: 32, height: 16)).nextFrame())
        XCTAssertEqual(cropped.pixels.count, 32 * 16 * 3)
        XCTAssertTrue(pixel(cropped, 16, 0).allSatisfy { abs(Int($0) - 128) < 20 }, "\(pixel(cropped, 16, 0))")
        XCTAssertTrue(pixel(cropped, 16, 15).allSatisfy { abs(Int($0) - 128) < 20 }, "\(pixel(cropped, 16, 15))")
        let stretched = try XCTUnwrap(VideoReader(url: banded, options: ReadOptions(width: 32, height: 16, resize: .stretch)).nextFrame())
        XCTAssertGreaterThan(pixel(stretched, 16, 0)[1], 150, "top row is green when stretched")
        XCTAssertGreaterThan(pixel(stretched, 16, 15)[2], 150, "bottom row is blue when stretched")
    }

    func testAreaScalingAveragesRatherThanSamples() throws {
        // A one-pixel checkerboard averages to mid-grey; point sampling would give black or white.
        var checker = RGBFrame(width: 64, height: 64)
        for y in 0..<64 { for x in 0..<64 where (x + y) % 2 == 0 {
            checker.pixels.replaceSubrange((y * 64 + x) * 3 ..< (y * 64 + x) * 3 + 3, with: [255, 255, 255])
        } }
        let directory = try makeTemporaryDirectory(self)
        let url = try writeClip([checker, checker], to: directory.appendingPathComponent("checker.mkv"),
                                options: WriteOptions(crf: 0))
        let small = try XCTUnwrap(VideoReader(url: url, options: ReadOptions(width: 8, height: 8)).nextFrame())
        let mean = Double(small.pixels.reduce(0) { $0 + Int($1) }) / Double(small.pixels.count)
        XCTAssertEqual(mean, 127.5, accuracy: 12)
        XCTAssertLessThan(small.pixels.max()! - small.pixels.min()!, 40)
    }

    func testNextFrameIntoReusesTheBuffer() throws {
        let reader = try VideoReader(url: clip, options: ReadOptions(width: 16, height: 16))
        var frame = RGBFrame(width: 16, height: 16)
        XCTAssertTrue(try reader.nextFrame(into: &frame))
        let storage = frame.pixels.withUnsafeBufferPointer { $0.baseAddress }
        XCTAssertTrue(try reader.nextFrame(into: &frame))
        XCTAssertEqual(frame.pixels.withUnsafeBufferPointer { $0.baseAddress }, storage)
        XCTAssertEqual(frame.sourceIndex, 1)
    }

    func testResizeRegionArithmetic() {
        let wide = ResizePolicy.centerCrop.sourceRegion(sourceWidth: 1280, sourceHeight: 720, targetWidth: 64, targetHeight: 64)
        XCTAssertEqual(wide.left, 280); XCTAssertEqual(wide.top, 0); XCTAssertEqual(wide.width, 720); XCTAssertEqual(wide.height, 720)
        let tall = ResizePolicy.centerCrop.sourceRegion(sourceWidth: 720, sourceHeight: 1280, targetWidth: 32, targetHeight: 16)
        XCTAssertEqual(tall.width, 720); XCTAssertEqual(tall.height, 360); XCTAssertEqual(tall.top, 460)
        let whole = ResizePolicy.stretch.sourceRegion(sourceWidth: 1280, sourceHeight: 720, targetWidth: 64, targetHeight: 64)
        XCTAssertEqual(whole.width, 1280); XCTAssertEqual(whole.height, 720)
    }

    private func pixel(_ frame: RGBFrame, _ x: Int, _ y: Int) -> [UInt8] {
        Array(frame.pixels[(y * frame.width + x) * 3 ..< (y * frame.width + x) * 3 + 3])
    }
}
