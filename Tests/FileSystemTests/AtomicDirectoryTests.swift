import Foundation
import XCTest
@testable import FileSystem

/// A folder of outputs appears whole or not at all, and replaces an earlier run's only then.
final class AtomicDirectoryTests: XCTestCase {
    private var parent: URL!
    private var destination: URL!

    override func setUpWithError() throws {
        parent = try temporaryFolder(for: self)
        destination = parent.appendingPathComponent("out")
    }

    private func writeOlderRun() throws {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: false)
        try Data("old video".utf8).write(to: destination.appendingPathComponent("a.mp4"))
        try Data("old table".utf8).write(to: destination.appendingPathComponent("b.csv"))
    }

    private func contents(_ folder: URL) throws -> [String: String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).reduce(into: [:]) { result, name in
            result[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
    }

    func testAFailureHalfWayLeavesTheOlderFolderAsItWasAndNoTemporaryFolder() throws {
        try writeOlderRun()
        XCTAssertThrowsError(try {
            let folder = try AtomicDirectory(url: destination, replaceableNames: ["a.mp4", "b.csv"])
            try AtomicFile.write(Data("new video".utf8), to: folder.file("a.mp4"))
            throw CocoaError(.fileWriteOutOfSpace)  // the disk fills before the second file
        }())
        XCTAssertEqual(try contents(destination), ["a.mp4": "old video", "b.csv": "old table"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["out"], "no temporary folder is left")
    }

    func testACommittedFolderReplacesTheOlderOneWhole() throws {
        try writeOlderRun()
        let folder = try AtomicDirectory(url: destination, replaceableNames: ["a.mp4", "b.csv"])
        try AtomicFile.write(Data("new video".utf8), to: folder.file("a.mp4"))
        XCTAssertEqual(try contents(destination), ["a.mp4": "old video", "b.csv": "old table"], "nothing shows before the commit")
        try folder.commit()
        XCTAssertEqual(try contents(destination), ["a.mp4": "new video"], "the older run's b.csv does not linger beside the new files")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["out"])
    }

    func testAFolderHoldingOtherFilesOrAFileIsNotReplaced() throws {
        try writeOlderRun()
        try Data("mine".utf8).write(to: destination.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try AtomicDirectory(url: destination, replaceableNames: ["a.mp4", "b.csv"])) {
            XCTAssertEqual("\($0)", "\(self.destination.path): cannot write (the folder holds files this command does not write (notes.txt), so it is not replaced)")
        }
        let file = parent.appendingPathComponent("plain")
        try Data().write(to: file)
        XCTAssertThrowsError(try AtomicDirectory(url: file, replaceableNames: [])) {
            XCTAssertEqual("\($0)", "\(file.path): cannot write (is a regular file, not a folder)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted(), ["out", "plain"])
    }

    func testErrorsInsideNameTheFinalPaths() throws {
        let folder = try AtomicDirectory(url: destination, replaceableNames: [])
        XCTAssertThrowsError(try folder.writing { try AtomicFile.write(Data(), to: folder.file("sub/x.json")) }) {
            XCTAssertEqual("\($0)", "\(self.destination.path)/sub/x.json: cannot write (No such file or directory)")
        }
    }
}

/// A fresh folder for one test, removed when it ends.
func temporaryFolder(for test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-fs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
