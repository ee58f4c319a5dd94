import DefaultModel
import Foundation
import XCTest

/// `overlay`'s video and its two score files are one output: they replace an older run's set
/// together, and a run that fails or is stopped half-way leaves that set as it was, with no new
/// file beside it and no hidden folder.
final class OverlayOutputCLITests: XCTestCase {
    private let clip = repositoryRoot.appendingPathComponent("clips/s2024-000-bouncing.mp4").path

    private func contents(_ folder: URL) throws -> [String: Data] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).reduce(into: [:]) { result, name in
            var isFolder: ObjCBool = false
            let url = folder.appendingPathComponent(name)
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            result[name] = isFolder.boolValue ? Data("(folder)".utf8) : try Data(contentsOf: url)
        }
    }

    /// An older run's set, from a run at another size and context so every file of a new run differs.
    private func olderRun(in directory: URL) throws -> (video: URL, files: [String: Data]) {
        let video = directory.appendingPathComponent("shapes.mp4")
        let older = try EbtvidProcess.run(["overlay", clip, "--size", "96", "--context", "2", "--out", video.path], environment: [DefaultModel.environmentVariable: ""])
        XCTAssertEqual(older.status, 0, older.stderr)
        let files = try contents(directory)
        XCTAssertEqual(files.keys.sorted(), ["shapes.csv", "shapes.json", "shapes.mp4"])
        return (video, files)
    }

    /// The scores cannot be written where the older run's were: before, the new video was
    /// already in place when that was found, beside the older run's table.
    func testScoresThatCannotBeWrittenLeaveNoNewVideoBesideTheOlderFiles() throws {
        let directory = try scratchDirectory(for: self)
        var (video, before) = try olderRun(in: directory)
        let scores = directory.appendingPathComponent("shapes.json")
        try FileManager.default.removeItem(at: scores)
        try FileManager.default.createDirectory(at: scores.appendingPathComponent("inside"), withIntermediateDirectories: true)
        before["shapes.json"] = Data("(folder)".utf8)
        let result = try EbtvidProcess.run(["overlay", clip, "--size", "64", "--out", video.path], environment: [DefaultModel.environmentVariable: ""])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderrLinesWithoutNotes, ["error: \(scores.path): cannot write (is a directory)"])
        XCTAssertEqual(try contents(directory), before, "the older video and table, untouched")
    }

    /// A file-size limit of 40 KB stops the new video (about 55 KB at this size) with EFBIG, as
    /// a disk filling up would, after its first frames are written.
    func testAFullDiskWhileDrawingLeavesTheOlderSetAndNoHiddenFolder() throws {
        let directory = try scratchDirectory(for: self)
        let (video, before) = try olderRun(in: directory)
        let limited = try EbtvidProcess.run(["-c", "trap '' XFSZ; ulimit -f 40; exec \"$0\" \"$@\"",
                                             EbtvidProcess.executable!.path, "overlay", clip, "--size", "64", "--out", video.path],
                                            environment: [DefaultModel.environmentVariable: ""], binary: URL(fileURLWithPath: "/bin/bash"))
        XCTAssertEqual(limited.status, 1, limited.stderr)
        XCTAssertEqual(limited.stderrLinesWithoutNotes.filter { $0.hasPrefix("error: ") }.count, 1, limited.stderr)
        XCTAssertTrue(limited.stderr.contains("error: \(video.path): ") && limited.stderr.contains("File too large"), limited.stderr)
        XCTAssertEqual(try contents(directory), before, "the older run's three files, untouched, and nothing hidden")

        let newer = try EbtvidProcess.run(["overlay", clip, "--size", "64", "--out", video.path], environment: [DefaultModel.environmentVariable: ""])
        XCTAssertEqual(newer.status, 0, newer.stderr)
        let after = try contents(directory)
        XCTAssertEqual(after.keys.sorted(), ["shapes.csv", "shapes.json", "shapes.mp4"])
        for name in after.keys { XCTAssertNotEqual(after[name], before[name], "a complete run replaces \(name)") }
    }

    /// SIGTERM while the video is being drawn (large, so that takes a while): the older set
    /// stays and the hidden folder goes.
    func testTerminationWhileDrawingLeavesTheOlderSet() throws {
        let directory = try scratchDirectory(for: self)
        let (video, before) = try olderRun(in: directory)
        let process = try BackgroundProcess.start(["overlay", clip, "--size", "512", "--out", video.path])
        defer { if process.isRunning { process.terminate() } }
        // The new video's own partial file inside the hidden folder: drawing has begun.
        func drawing() -> Bool {
            let hidden = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasPrefix(".") }
            return hidden.contains { ((try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent($0).path)) ?? []).contains { $0.hasSuffix(".partial") } }
        }
        XCTAssertTrue(BackgroundProcess.wait(seconds: 60, until: drawing), "the video is being drawn")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try contents(directory), before)
    }
}
