import XCTest
@testable import VideoIO

/// The reader opens every common codec/container pair and still images; the writer's codec
/// choices and rotation tag come back as written.
final class CodecContainerTests: XCTestCase {
    func testEveryCommonCodecAndContainerDecodes() throws {
        let directory = try makeTemporaryDirectory(self)
        let frames = SyntheticClip(seed: 8, kind: .zoom, size: 64, frameCount: 6, surprises: false).frames()
        let cases: [(VideoCodec, String, String)] = [
            (.h264, "mp4", "h264"), (.h264, "mkv", "h264"), (.h264, "mov", "h264"),
            (.hevc, "mkv", "hevc"), (.vp9, "webm", "vp9"), (.mpeg4, "avi", "mpeg4"), (.mjpeg, "mov", "mjpeg"),
        ]
        for (codec, container, expected) in cases {
            guard VideoCodec.firstAvailableEncoder(among: codec.encoderNames) != nil else { continue }
            let url = try writeClip(frames, to: directory.appendingPathComponent("\(codec).\(container)"),
                                    options: WriteOptions(codec: codec))
            let reader = try VideoReader(url: url, options: ReadOptions(width: 32, height: 32))
            XCTAssertEqual(reader.metadata.codec, expected, "\(codec) in \(container)")
            let decoded = try reader.readAll()
            XCTAssertEqual(decoded.count, frames.count, "\(codec) in \(container)")
            XCTAssertEqual(decoded.first?.pixels.count, 32 * 32 * 3)
        }
    }

    func testStillImageReadsAsOneFrame() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("still.ppm")
        var data = Data("P6\n6 4\n255\n".utf8)
        for i in 0..<(6 * 4) { data.append(contentsOf: [UInt8(i * 10), 100, 200]) }
        try data.write(to: url)
        let reader = try VideoReader(url: url)
        XCTAssertEqual(reader.metadata.width, 6)
        let frames = try reader.readAll()
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(Array(frames[0].pixels.prefix(6)), [0, 100, 200, 10, 100, 200])
    }

    func testRotationTagRoundTrips() throws {
        let directory = try makeTemporaryDirectory(self)
        let frames = SyntheticClip(seed: 1, kind: .pan, size: 32, frameCount: 2, surprises: false).frames()
        for rotation in [0, 90, 180, 270] {
            let url = try writeClip(frames, to: directory.appendingPathComponent("r\(rotation).mp4"),
                                    options: WriteOptions(rotation: rotation))
            XCTAssertEqual(try VideoReader(url: url).metadata.rotation, rotation)
        }
    }

    func testH264FallsBackToMPEG4PartTwo() {
        XCTAssertEqual(VideoCodec.h264.encoderNames.last, "mpeg4")
        let chosen = VideoCodec.firstAvailableEncoder(among: ["no-such-encoder", "mpeg4"])
        XCTAssertEqual(chosen.map { String(cString: $0.pointee.name) }, "mpeg4")
        XCTAssertNil(VideoCodec.firstAvailableEncoder(among: ["no-such-encoder"]))
    }
}
