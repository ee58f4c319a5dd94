import XCTest
@testable import VideoIO

/// Every kind of file a user might wrongly hand us gives a typed error naming the file, or — for a
/// truncated clip — the frames that decode plus a warning. Never a crash or a hang.
final class BadInputTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    private func openingError(_ url: URL, options: ReadOptions = ReadOptions()) -> VideoIOError? {
        do {
            let reader = try VideoReader(url: url, options: options)
            _ = try reader.readAll()
            return nil
        } catch {
            return error as? VideoIOError
        }
    }

    func testMissingPath() {
        let url = directory.appendingPathComponent("nope.mp4")
        XCTAssertEqual(openingError(url), .fileNotFound(path: url.path))
        XCTAssertTrue(VideoIOError.fileNotFound(path: url.path).description.contains("nope.mp4"))
    }

    func testDirectory() {
        XCTAssertEqual(openingError(directory), .isDirectory(path: directory.path))
    }

    func testEmptyFile() throws {
        let url = directory.appendingPathComponent("empty.mp4")
        try Data().write(to: url)
        XCTAssertEqual(openingError(url), .emptyFile(path: url.path))
    }

    func testRandomBytesNamedMP4() throws {
        let url = directory.appendingPathComponent("noise.mp4")
        var random = SplitMix64(seed: 99)
        try Data((0..<20_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }).write(to: url)
        let error = try XCTUnwrap(openingError(url))
        switch error {
        case .unreadable(let path, _), .noVideoStream(let path), .noFrames(let path, _): XCTAssertEqual(path, url.path)
        default: XCTFail("unexpected error \(error)")
        }
        XCTAssertTrue(error.description.hasPrefix(url.path), error.description)
    }

    func testAudioOnlyFile() throws {
        let url = directory.appendingPathComponent("tone.wav")
        try writeWAV(to: url)
        XCTAssertEqual(openingError(url), .noVideoStream(path: url.path))
    }

    func testVideoWithZeroFrames() throws {
        // FFmpeg's mp4 demuxer drops a track without samples, so the file shows no video stream.
        let mp4 = directory.appendingPathComponent("empty-stream.mp4")
        let writer = try VideoWriter(url: mp4, width: 32, height: 32, fps: 24)
        try writer.finish()
        XCTAssertEqual(openingError(mp4), .noVideoStream(path: mp4.path))

        let y4m = directory.appendingPathComponent("header-only.y4m")
        try writeY4M(to: y4m, width: 32, height: 32, frames: 0)
        guard case .noFrames? = openingError(y4m) else { return XCTFail("y4m with no frames must fail") }
    }

    func testHeaderClaiming16384Squared() throws {
        // FFmpeg itself refuses this size while parsing the header; the message says why.
        let url = directory.appendingPathComponent("huge.y4m")
        try writeY4M(to: url, width: 16384, height: 16384, frames: 1, payloadBytes: 64)
        guard case .unreadable(let path, let reason)? = openingError(url) else { return XCTFail("must be unreadable") }
        XCTAssertEqual(path, url.path)
        XCTAssertTrue(reason.contains("16384x16384"), reason)
    }

    func testHeaderBeyondOurLimitIsRejectedBeforeDecoding() throws {
        // 9000x9000 passes FFmpeg's own check; ours stops it before a 120 MB frame is allocated.
        let url = directory.appendingPathComponent("large.y4m")
        try writeY4M(to: url, width: 9000, height: 9000, frames: 1, payloadBytes: 64)
        XCTAssertEqual(openingError(url), .frameTooLarge(path: url.path, width: 9000, height: 9000, limit: 8192))
        XCTAssertEqual(openingError(url, options: ReadOptions(maxDimension: 4096)),
                       .frameTooLarge(path: url.path, width: 9000, height: 9000, limit: 4096))
    }

    func testTruncatedMP4YieldsTheFramesThatDecodePlusAWarning() throws {
        let frames = SyntheticClip(seed: 4, kind: .bouncing, size: 64, frameCount: 48, surprises: false).frames()
        let whole = try writeClip(frames, to: directory.appendingPathComponent("whole.mp4"))
        let bytes = try Data(contentsOf: whole)
        let cut = directory.appendingPathComponent("cut.mp4")
        try bytes.prefix(bytes.count / 2).write(to: cut)

        let reader = try VideoReader(url: cut)
        let decoded = try reader.readAll()
        XCTAssertGreaterThan(decoded.count, 0)
        XCTAssertLessThan(decoded.count, 48)
        XCTAssertFalse(reader.warnings.isEmpty)
        XCTAssertTrue(reader.warnings.joined().contains("truncated"), "\(reader.warnings)")
        for frame in decoded.prefix(decoded.count - 2) {
            XCTAssertGreaterThan(psnr(frame, frames[frame.sourceIndex]), 30, "frame \(frame.sourceIndex)")
        }
    }

    /// mkv and webm count no frames, but state a duration: a stream that ends well short of it
    /// warns as a truncated mp4 does (before, 35 of 90 cut mkv/webm files read short in silence),
    /// and a whole one does not.
    func testTruncatedMatroskaAndWebMWarnToo() throws {
        let frames = SyntheticClip(seed: 4, kind: .bouncing, size: 32, frameCount: 48, surprises: false).frames()
        for (codec, container) in [(VideoCodec.h264, "mkv"), (.vp9, "webm")] {
            guard VideoCodec.firstAvailableEncoder(among: codec.encoderNames) != nil else { continue }
            let whole = try writeClip(frames, to: directory.appendingPathComponent("whole.\(container)"), options: WriteOptions(codec: codec))
            let complete = try VideoReader(url: whole)
            XCTAssertEqual(try complete.readAll().count, 48, container)
            XCTAssertEqual(complete.warnings, [], "\(container): a whole file reads without a warning")
            let bytes = try Data(contentsOf: whole)
            for share in [0.3, 0.6, 0.9] {
                let cut = directory.appendingPathComponent("cut-\(share).\(container)")
                try bytes.prefix(Int(Double(bytes.count) * share)).write(to: cut)
                let reader = try VideoReader(url: cut)
                let decoded = try reader.readAll().count
                XCTAssertTrue((1..<48).contains(decoded), "\(container) cut to \(share): \(decoded) frames")
                XCTAssertEqual(reader.warnings.count, 1, "\(container) cut to \(share): \(reader.warnings)")
                XCTAssertTrue(reader.warnings.first?.contains("\(decoded) frames, up to") == true
                              && reader.warnings.first?.contains("of the 2.00 s the file states; the file looks truncated") == true,
                              "\(reader.warnings)")
            }
        }
    }

    func testNonsenseOptionsAreRejectedBeforeOpening() {
        let missing = directory.appendingPathComponent("never-opened.mp4")
        let bad: [ReadOptions] = [
            ReadOptions(width: 0, height: 64), ReadOptions(width: 64, height: nil), ReadOptions(stride: -1),
            ReadOptions(stride: 0), ReadOptions(targetFPS: 0), ReadOptions(targetFPS: .nan), ReadOptions(start: -3),
            ReadOptions(maxFrames: 0), ReadOptions(stride: 2, targetFPS: 10),
        ]
        for options in bad {
            guard case .invalidOption? = openingError(missing, options: options) else {
                return XCTFail("\(options) must be rejected as an invalid option")
            }
        }
    }
}
