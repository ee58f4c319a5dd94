import FileSystem
import XCTest
@testable import VideoIO

/// The writer's promises: nothing at the destination until `finish()`, nothing left after a
/// failure or an abandoned writer, clear rejections of sizes and paths it cannot handle.
final class VideoWriterTests: XCTestCase {
    private let frame = RGBFrame(width: 32, height: 32, pixels: [UInt8](repeating: 90, count: 32 * 32 * 3))

    func testFileAppearsOnlyOnFinishAndReplacesAtomically() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("out.mp4")
        try Data("old".utf8).write(to: url)
        let writer = try VideoWriter(url: url, width: 32, height: 32, fps: 10)
        for _ in 0..<5 { try writer.append(frame) }
        XCTAssertEqual(try Data(contentsOf: url), Data("old".utf8), "the old file stays until finish")
        XCTAssertEqual(try directoryEntries(directory).count, 2, "a hidden temporary sits next to it")
        try writer.finish()
        XCTAssertEqual(try directoryEntries(directory), ["out.mp4"])
        XCTAssertEqual(try VideoReader(url: url).readAll().count, 5)
        XCTAssertEqual(writer.encoderName, "libx264")
    }

    func testAbandonedWriterLeavesNothing() throws {
        let directory = try makeTemporaryDirectory(self)
        do {
            let writer = try VideoWriter(url: directory.appendingPathComponent("never.mp4"), width: 32, height: 32, fps: 10)
            try writer.append(frame)
        }
        XCTAssertEqual(try directoryEntries(directory), [])
    }

    func testFailedAppendDeletesTheTemporaryAtOnce() throws {
        let directory = try makeTemporaryDirectory(self)
        let writer = try VideoWriter(url: directory.appendingPathComponent("x.mp4"), width: 32, height: 32, fps: 10)
        XCTAssertThrowsError(try writer.append(RGBFrame(width: 16, height: 16)))
        try writer.append(frame)
        XCTAssertThrowsError(try writer.append(pixels: [UInt8](repeating: 0, count: 7).withUnsafeBufferPointer { $0 }))
        withExtendedLifetime(writer) { XCTAssertEqual(try? directoryEntries(directory).count, 1) }
    }

    func testOddSizesAndBadRatesAreRejectedClearly() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("odd.mp4")
        XCTAssertThrowsError(try VideoWriter(url: url, width: 63, height: 64, fps: 24)) { error in
            guard case .invalidOption(let message)? = error as? VideoIOError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("63x64") && message.contains("odd.mp4"), message)
        }
        XCTAssertThrowsError(try VideoWriter(url: url, width: 0, height: 64, fps: 24))
        XCTAssertThrowsError(try VideoWriter(url: url, width: 64, height: 64, fps: 0))
        XCTAssertThrowsError(try VideoWriter(url: directory.appendingPathComponent("x.unknownext"), width: 64, height: 64, fps: 24))
        XCTAssertEqual(try directoryEntries(directory), [])
    }

    func testUnwritableDestination() throws {
        let directory = try makeTemporaryDirectory(self)
        let blocker = directory.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: blocker)
        let url = blocker.appendingPathComponent("out.mp4")
        XCTAssertThrowsError(try VideoWriter(url: url, width: 32, height: 32, fps: 24)) { error in
            guard let error = error as? FileSystemError else { return XCTFail("\(error)") }
            XCTAssertEqual(error, FileSystemError(path: url.path, action: .write, cause: "Not a directory"))
        }
        let folder = directory.appendingPathComponent("folder.mp4")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        XCTAssertThrowsError(try VideoWriter(url: folder, width: 32, height: 32, fps: 24)) { error in
            XCTAssertEqual(error as? FileSystemError, FileSystemError(path: folder.path, action: .write, cause: "is a directory"))
        }
        XCTAssertEqual(try directoryEntries(directory), ["folder.mp4", "plain-file"])
    }

    func testFinishTwiceFails() throws {
        let directory = try makeTemporaryDirectory(self)
        let writer = try VideoWriter(url: directory.appendingPathComponent("a.mp4"), width: 32, height: 32, fps: 24)
        try writer.append(frame)
        try writer.finish()
        XCTAssertThrowsError(try writer.finish())
        XCTAssertThrowsError(try writer.append(frame))
        XCTAssertEqual(try directoryEntries(directory), ["a.mp4"])
    }
}
