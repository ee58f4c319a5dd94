import Foundation
import XCTest

/// The hidden `.NAME.PID-N.partial` files outputs are written to do not outlive their run: SIGTERM
/// and SIGINT remove them before the process goes, and a later run removes those whose process
/// died without a chance to (SIGKILL, a crash), leaving live processes' alone.
final class PartialFilesCLITests: XCTestCase {
    /// `frames` reading a clip from a FIFO the test holds open: it writes its output's partial file
    /// and then waits for more input, mid-write, for as long as the test likes.
    func testTerminationAndInterruptRemoveThePartialFile() throws {
        let directory = try scratchDirectory(for: self)
        let clip = try Data(contentsOf: URL(fileURLWithPath: try synthesizedClip(in: directory, size: 32, frames: 24)))
        for signalNumber in [SIGTERM, SIGINT] {
            let folder = directory.appendingPathComponent("signal-\(signalNumber)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            let fifo = folder.appendingPathComponent("clip.mp4").path
            XCTAssertEqual(mkfifo(fifo, 0o644), 0)
            // Opened read-write, so opening does not wait for a reader and the end stays open.
            let feed = open(fifo, O_RDWR)
            XCTAssertGreaterThanOrEqual(feed, 0)
            defer { close(feed) }
            XCTAssertLessThan(clip.count, 60_000, "the clip fits the pipe's buffer")
            XCTAssertEqual(clip.withUnsafeBytes { write(feed, $0.baseAddress, clip.count) }, clip.count)
            let output = folder.appendingPathComponent("frames.rgb")
            let process = try BackgroundProcess.start(["frames", fifo, "--out", output.path])
            defer { if process.isRunning { process.terminate() } }
            func partials() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".partial") }
            }
            XCTAssertTrue(BackgroundProcess.wait(seconds: 20) { partials().count == 1 }, "the output is being written")
            kill(process.processIdentifier, signalNumber)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "it ends by the signal")
            XCTAssertEqual(process.terminationStatus, signalNumber)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["clip.mp4"],
                           "signal \(signalNumber): no partial file and no output are left")
        }
    }

    func testALaterRunRemovesPartialsOfDeadProcessesOnly() throws {
        let directory = try scratchDirectory(for: self)
        let clip = try synthesizedClip(in: directory.appendingPathComponent("clips"))
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let stale = ".frames.rgb.\(gone.processIdentifier)-17.partial", live = ".frames.rgb.\(getpid())-18.partial"
        let staleFolder = ".predict.\(gone.processIdentifier)-19.partial"
        for name in [stale, live] { try Data("half".utf8).write(to: directory.appendingPathComponent(name)) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(staleFolder).appendingPathComponent("inside"),
                                                withIntermediateDirectories: true)
        let result = try EbtvidProcess.run(["frames", clip, "--out", directory.appendingPathComponent("frames.rgb").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), [live, "clips", "frames.rgb"],
                       "the dead process's file and folder are removed, the live one's kept")
    }
}
