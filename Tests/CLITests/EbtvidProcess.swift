import Foundation
import XCTest

/// Runs the built `ebtvid` binary as a user would, capturing exit status, stdout and stderr.
struct EbtvidProcess {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
        /// stderr without its `note:` lines (such as an old model file's missing checksums).
        var stderrLinesWithoutNotes: [String] { stderrLines.filter { !$0.hasPrefix("note: ") } }
    }

    /// The executable sits next to the test bundle in the build directory (it is a dependency of
    /// CLITests, so `swift build --build-tests` builds it). `EBTVID` overrides the location.
    static let executable: URL? = {
        if let path = ProcessInfo.processInfo.environment["EBTVID"] { return URL(fileURLWithPath: path) }
        var candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        return candidates.map { $0.appendingPathComponent("ebtvid") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs `ebtvid arguments...` with `environment` added to ours; kills it and fails the test if
    /// it outlives `timeout` (a hang). `binary` replaces the built one (an installed copy) and
    /// `directory` is the working directory (ours by default).
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60,
                    binary: URL? = nil, directory: URL? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let binary = try XCTUnwrap(binary ?? executable, "ebtvid binary not found next to the test bundle", file: file, line: line)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let stdout = Captured(), stderr = Captured()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { stdout.data = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { stderr.data = err.fileHandleForReading.readDataToEndOfFile() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            XCTFail("ebtvid \(arguments.joined(separator: " ")) did not finish in \(timeout) s", file: file, line: line)
            group.wait()
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: stdout.data, stderr: String(decoding: stderr.data, as: UTF8.self))
    }

    /// Written by one reader thread, read after `group.wait()`: the group orders the accesses.
    private final class Captured: @unchecked Sendable {
        var data = Data()
    }
}

/// The repository the tests are in: its committed clips, Makefile and sources.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh directory per test, removed afterwards.
func scratchDirectory(for test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Synthesizes a small clip set with the CLI itself and returns the first clip's path.
func synthesizedClip(in directory: URL, size: Int = 32, frames: Int = 12) throws -> String {
    let result = try EbtvidProcess.run(["synth", "--out", directory.path, "--count", "2", "--frames", "\(frames)",
                                        "--size", "\(size)", "--seed", "3"])
    XCTAssertEqual(result.status, 0, result.stderr)
    return directory.appendingPathComponent("s3-000-bouncing.mp4").path
}
