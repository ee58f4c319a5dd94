import Foundation
import XCTest
@testable import FileSystem

/// Foundation's file errors are told as one line naming the path and the system's cause.
final class FileSystemErrorTests: XCTestCase {
    func testFoundationsErrorsAreToldByPathAndCause() throws {
        let folder = try temporaryFolder(for: self)
        let plain = folder.appendingPathComponent("plain")
        try Data("x".utf8).write(to: plain)
        let under = plain.appendingPathComponent("inside")
        do {
            try FileManager.default.createDirectory(at: under, withIntermediateDirectories: true)
            XCTFail("a folder was made under a file")
        } catch {
            XCTAssertFalse("\(error)".contains(under.path + ": "), "Foundation's own text is a dump: \(error)")
            XCTAssertEqual(FileSystemError(error)?.description, "\(under.path): cannot write (Not a directory)")
            XCTAssertEqual(FileSystemError(error, path: "out/x", action: .createFolder)?.description, "out/x: cannot create the folder (Not a directory)")
        }
        XCTAssertThrowsError(try FileSystemError.naming("given/name", .read) { try Data(contentsOf: folder.appendingPathComponent("gone")) }) {
            XCTAssertEqual("\($0)", "given/name: cannot read (No such file or directory)")
        }
        XCTAssertNil(FileSystemError(CocoaError(.coderReadCorrupt)), "not a file error")
    }

    func testKindsAreToldApart() throws {
        let folder = try temporaryFolder(for: self)
        let loop = folder.appendingPathComponent("loop").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        XCTAssertThrowsError(try FileKind.at(loop)) { XCTAssertEqual("\($0)", "\(loop): cannot read (Too many levels of symbolic links)") }
        XCTAssertNil(try FileKind.at(folder.appendingPathComponent("missing").path))
        XCTAssertEqual(try FileKind.at("/dev/zero"), .characterDevice)
        XCTAssertEqual(try FileKind.at(folder.path), .directory)
    }
}
