import DefaultModel
import Foundation
import XCTest

/// `ebtvid --version` names the version, the git revision the build was made from (baked in by
/// `make`, "unknown" without git) and the default model.
final class VersionTests: XCTestCase {
    func testVersionNamesTheRevisionAndTheDefaultModel() throws {
        let result = try EbtvidProcess.run(["--version"], environment: [DefaultModel.environmentVariable: ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, "\(lines)")
        // The binary carries whatever revision the generated file held when it was built.
        let generated = try? String(contentsOf: repositoryRoot.appendingPathComponent("Sources/ebtvid/GitRevision.generated.swift"), encoding: .utf8)
        let baked = generated.flatMap { $0.split(separator: "\"").dropFirst().first.map(String.init) } ?? "unknown"
        XCTAssertEqual(lines.first, "ebtvid 0.1.0 (git \(baked))")
        let model = lines[1]
        XCTAssertTrue(model.hasPrefix("default model: default-model.safetensors (EBT, width 64, 2 layers, 120,275 parameters, context 4, "), model)
        XCTAssertTrue(model.contains("calibrated) at /") && model.hasSuffix("ebtvid_DefaultModel.resources/default-model.safetensors"), model)
        XCTAssertTrue(lines[2].hasPrefix("MPI: "), lines[2])
    }

    func testVersionWithoutADefaultModelSaysSoAndSucceeds() throws {
        let missing = try scratchDirectory(for: self).appendingPathComponent("gone.safetensors").path
        let result = try EbtvidProcess.run(["--version"], environment: [DefaultModel.environmentVariable: missing])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.dropFirst().first, "default model: none (no default model found at \(missing); pass --model)")
    }

    /// `make revision` writes the checkout's HEAD into the file the build compiles, and outside a
    /// git checkout (a tarball) removes it, so the build falls back to "unknown".
    func testMakeBakesTheCheckoutsRevisionAndRemovesItWithoutGit() throws {
        let scratch = try scratchDirectory(for: self)
        let file = scratch.appendingPathComponent("revision.swift")
        let head = try run("/usr/bin/env", ["git", "-C", repositoryRoot.path, "rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(head.count, 40, head)
        _ = try run("/usr/bin/env", ["make", "-s", "-C", repositoryRoot.path, "revision", "REVISION_FILE=\(file.path)"])
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("extension VersionInfo: BakedRevision { static var bakedRevision: String { \"\(head.prefix(12))"), text)

        let tarball = scratch.appendingPathComponent("unpacked")
        try FileManager.default.createDirectory(at: tarball, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Makefile"), to: tarball.appendingPathComponent("Makefile"))
        _ = try run("/usr/bin/env", ["make", "-s", "-C", tarball.path, "revision", "REVISION_FILE=\(file.path)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path), "a stale revision is not kept outside git")
    }

    /// Runs a tool, returning its stdout; skips the test when the tool is not installed.
    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 { throw XCTSkip("\(arguments[0]) is not installed") }
        XCTAssertEqual(process.terminationStatus, 0, "\(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }
}
