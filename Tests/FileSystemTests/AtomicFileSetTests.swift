import Foundation
import XCTest
@testable import FileSystem

/// Files that belong together (overlay's video and scores) appear together, replace an older
/// run's only then, and never end up mixed with it, in a folder that may hold other files.
final class AtomicFileSetTests: XCTestCase {
    private var parent: URL!
    private var video: URL!, table: URL!, scores: URL!

    override func setUpWithError() throws {
        parent = try temporaryFolder(for: self)
        (video, table, scores) = (parent.appendingPathComponent("o.mp4"), parent.appendingPathComponent("o.csv"), parent.appendingPathComponent("o.json"))
        for (url, text) in [(video!, "old video"), (table!, "old table"), (scores!, "old scores"), (parent.appendingPathComponent("notes.txt"), "mine")] {
            try Data(text.utf8).write(to: url)
        }
    }

    /// The folder's files and their text; a hidden entry (the temporary folder) as "(hidden)".
    private func contents() throws -> [String: String] {
        try FileManager.default.contentsOfDirectory(atPath: parent.path).reduce(into: [:]) { result, name in
            result[name] = name.hasPrefix(".") ? "(hidden)" : try String(contentsOf: parent.appendingPathComponent(name), encoding: .utf8)
        }
    }

    private let older = ["o.mp4": "old video", "o.csv": "old table", "o.json": "old scores", "notes.txt": "mine"]

    func testNothingShowsBeforeTheCommitAndThenEveryFileAtOnce() throws {
        let set = try AtomicFileSet([video, table, scores])
        try Data("new video".utf8).write(to: set.file(video))
        try AtomicFile.write(Data("new table".utf8), to: set.file(table))
        try Data("new scores".utf8).write(to: set.file(scores))
        XCTAssertEqual(try contents().filter { $0.value != "(hidden)" }, older, "nothing shows before the commit")
        try set.commit()
        XCTAssertEqual(try contents(), ["o.mp4": "new video", "o.csv": "new table", "o.json": "new scores", "notes.txt": "mine"],
                       "all three replaced, the other file kept, no hidden folder left")
    }

    func testAFailureHalfWayLeavesTheOlderFilesAndNoTemporaryFolder() throws {
        XCTAssertThrowsError(try {
            let set = try AtomicFileSet([video, table, scores])
            try Data("new video".utf8).write(to: set.file(video))
            throw CocoaError(.fileWriteOutOfSpace)  // the disk fills before the scores
        }())
        XCTAssertEqual(try contents(), older)
    }

    func testAMoveThatFailsAtTheCommitPutsTheOlderFilesBack() throws {
        let set = try AtomicFileSet([video, table, scores])
        try Data("new video".utf8).write(to: set.file(video))
        try Data("new table".utf8).write(to: set.file(table))
        // The scores were never written, so their move fails after the video's and table's.
        XCTAssertThrowsError(try set.commit()) { XCTAssertTrue("\($0)".hasPrefix("\(self.scores.path): cannot write"), "\($0)") }
        set.discard()
        XCTAssertEqual(try contents(), older, "the new video and table are taken back")
    }

    func testADestinationThatIsAFolderIsRefusedBeforeAnyWork() throws {
        try FileManager.default.removeItem(at: table)
        try FileManager.default.createDirectory(at: table, withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFileSet([video, table, scores])) {
            XCTAssertEqual("\($0)", "\(self.table.path): cannot write (is a directory)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted(), ["notes.txt", "o.csv", "o.json", "o.mp4"])
    }

    func testErrorsInsideNameTheFinalPaths() throws {
        let set = try AtomicFileSet([video, table])
        XCTAssertThrowsError(try set.writing { throw FileSystemError(path: set.file(table).path, action: .write, cause: "File too large") }) {
            XCTAssertEqual("\($0)", "\(self.table.path): cannot write (File too large)")
        }
    }
}
