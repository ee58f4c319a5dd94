import Foundation
import XCTest

/// `predict`'s five files are one output: they appear together, replace an older run's folder
/// only when all are written, and a run that fails half-way leaves the older folder as it was.
final class PredictOutputCLITests: XCTestCase {
    private let clip = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("clips/s2024-000-bouncing.mp4").path

    private func contents(_ folder: URL) throws -> [String: Data] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).reduce(into: [:]) { result, name in
            result[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
    }

    func testAFullDiskHalfWayLeavesTheOlderRunsFilesAndNoTemporaryFolder() throws {
        let directory = try scratchDirectory(for: self)
        let out = directory.appendingPathComponent("run")
        let older = try EbtvidProcess.run(["predict", clip, "--horizon", "4", "--out", out.path])
        XCTAssertEqual(older.status, 0, older.stderr)
        let before = try contents(out)
        XCTAssertEqual(before.keys.sorted(), ["continuation.mp4", "frames.csv", "frames.json", "prediction.mp4", "prediction.npy"])
        // A file-size limit of 300 KB lets the video (about 190 KB) be written and stops the
        // 393 KB array with EFBIG, as a disk filling up between the two would.
        let limited = try EbtvidProcess.run(["-c", "trap '' XFSZ; ulimit -f 300; exec \"$0\" \"$@\"",
                                             EbtvidProcess.executable!.path, "predict", clip, "--out", out.path],
                                            binary: URL(fileURLWithPath: "/bin/bash"))
        XCTAssertEqual(limited.status, 1, limited.stderr)
        XCTAssertEqual(limited.stderrLinesWithoutNotes, ["error: \(out.path)/prediction.npy: cannot write (File too large)"])
        XCTAssertEqual(try contents(out), before, "the older run's five files, untouched")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["run"], "no hidden folder is left")

        let newer = try EbtvidProcess.run(["predict", clip, "--out", out.path])
        XCTAssertEqual(newer.status, 0, newer.stderr)
        XCTAssertNotEqual(try contents(out)["frames.json"], before["frames.json"], "a complete run replaces the folder")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["run"])
    }

    func testAFolderHoldingOtherFilesIsNotReplaced() throws {
        let directory = try scratchDirectory(for: self)
        try Data("mine".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let result = try EbtvidProcess.run(["predict", clip, "--out", directory.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLinesWithoutNotes.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(directory.path): cannot write") && result.stderr.contains("notes.txt"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["notes.txt"])
    }
}
