import DefaultModel
import Foundation
import XCTest

/// `make install PREFIX=...` puts the binary and the default model where the binary finds the
/// model, wherever it is run from and through a link to it.
final class InstallTests: XCTestCase {
    func testAnInstalledBinaryFindsItsModelFromAnotherDirectory() throws {
        let scratch = try scratchDirectory(for: self).resolvingSymlinksInPath()
        let prefix = scratch.appendingPathComponent("prefix with space")
        let built = try XCTUnwrap(EbtvidProcess.executable).deletingLastPathComponent()
        // The copying half of `make install` (the other half builds, which this build has done).
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        make.arguments = ["make", "-s", "-C", repositoryRoot.path, "install-built", "PREFIX=\(prefix.path)", "BUILD_DIR=\(built.path)"]
        make.standardOutput = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        if make.terminationStatus == 127 { throw XCTSkip("make is not installed") }
        XCTAssertEqual(make.terminationStatus, 0)
        let binary = prefix.appendingPathComponent("bin/ebtvid")
        let model = prefix.appendingPathComponent("share/ebtvid/default-model.safetensors")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary.path))
        XCTAssertEqual(try Data(contentsOf: model), try Data(contentsOf: built.appendingPathComponent("ebtvid_DefaultModel.resources/default-model.safetensors")))

        // From another directory, with nothing beside the binary but what install put there.
        let elsewhere = scratch.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let clip = repositoryRoot.appendingPathComponent("clips/s2024-001-pan.mp4").path
        let predict = try EbtvidProcess.run(["predict", clip, "--horizon", "2", "--out", "x"], environment: [DefaultModel.environmentVariable: ""],
                                            binary: binary, directory: elsewhere)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertTrue(String(decoding: predict.stdout, as: UTF8.self).hasPrefix("model: default (\(model.path))\n"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("x/prediction.mp4").path))

        // Through a symbolic link in a folder of its own, as from ~/bin.
        let link = elsewhere.appendingPathComponent("ebtvid")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: binary)
        let version = try EbtvidProcess.run(["--version"], environment: [DefaultModel.environmentVariable: ""], binary: link, directory: scratch)
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertTrue(String(decoding: version.stdout, as: UTF8.self).contains(") at \(model.path)\n"), String(decoding: version.stdout, as: UTF8.self))
    }
}
