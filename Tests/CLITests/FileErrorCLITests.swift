import Foundation
import XCTest

/// File-system failures are one line naming the path and the real cause (the system's), exit 1,
/// nothing written: not Foundation's `Error Domain=NSCocoaErrorDomain Code=513 ...` dumps, not
/// "no such file" for a symlink loop, nor "file is empty" for a device or a FIFO.
final class FileErrorCLITests: XCTestCase {
    private let clip = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("clips/s2024-000-bouncing.mp4").path
    private var directory: URL!

    override func setUpWithError() throws { directory = try scratchDirectory(for: self) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Runs ebtvid (as `prefix` says, e.g. as another user) and checks the failure: exit 1 and,
    /// but for notes, exactly `line` on stderr.
    private func expect(_ arguments: [String], fails line: String, prefix: [String] = [],
                        file: StaticString = #filePath, line number: UInt = #line) throws {
        let result = prefix.isEmpty ? try EbtvidProcess.run(arguments, file: file, line: number)
            : try EbtvidProcess.run(Array(prefix.dropFirst()) + [EbtvidProcess.executable!.path] + arguments,
                                    binary: URL(fileURLWithPath: prefix[0]), file: file, line: number)
        let shown = arguments.joined(separator: " ")
        XCTAssertEqual(result.status, 1, "\(shown): \(result.stderr)", file: file, line: number)
        XCTAssertEqual(result.stderrLinesWithoutNotes, ["error: " + line], shown, file: file, line: number)
    }

    func testAParentThatIsAFile() throws {
        try Data("x".utf8).write(to: URL(fileURLWithPath: path("plain")))
        try expect(["predict", clip, "--out", path("plain/p")], fails: "\(path("plain/p")): cannot write (Not a directory)")
        try expect(["eval", clip, "--out", path("plain/e")], fails: "\(path("plain/e")): cannot create the folder (Not a directory)")
        try expect(["overlay", clip, "--out", path("plain/o.mp4")], fails: "\(path("plain")): cannot create the folder (is a regular file)")
        try expect(["synth", "--out", path("plain/s")], fails: "\(path("plain/s")): cannot create the folder (Not a directory)")
        try expect(["calibrate", clip, "--out", path("plain/m.safetensors")], fails: "\(path("plain/m.safetensors")): cannot write (Not a directory)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["plain"])
    }

    func testASymlinkLoop() throws {
        try FileManager.default.createSymbolicLink(atPath: path("a"), withDestinationPath: path("b"))
        try FileManager.default.createSymbolicLink(atPath: path("b"), withDestinationPath: path("a"))
        let loop = "Too many levels of symbolic links"
        try expect(["info", path("a")], fails: "\(path("a")): cannot read as video (\(loop))")
        try expect(["eval", path("a"), "--out", path("e")], fails: "\(path("a")): cannot read (\(loop))")
        try expect(["predict", clip, "--model", path("a"), "--out", path("p")], fails: "\(path("a")): cannot read (\(loop))")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["a", "b"])
    }

    func testAFolderOrADeviceAsOut() throws {
        try FileManager.default.createDirectory(atPath: path("folder"), withIntermediateDirectories: false)
        try expect(["overlay", clip, "--out", path("folder")], fails: "\(path("folder")): cannot write (is a directory)")
        try expect(["frames", clip, "--out", path("folder")], fails: "\(path("folder")): cannot write (is a directory)")
        try expect(["frames", clip, "--out", "/dev/full"], fails: "/dev/full: cannot write (No space left on device)")
        // A FIFO nobody reads stands in for a device here: renaming over it would replace it with a file.
        XCTAssertEqual(mkfifo(path("fifo"), 0o644), 0)
        try expect(["calibrate", clip, "--out", path("fifo")], fails: "\(path("fifo")): cannot write (is a FIFO, not a regular file)")
        var status = stat()
        XCTAssertEqual(stat(path("fifo"), &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO, "still a FIFO")
        try expect(["info", "/dev/zero"], fails: "/dev/zero: cannot read as video (it is a character device, not a video file)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["fifo", "folder"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("folder")), [])
    }

    /// Root may write anywhere, so as root the commands run as `nobody`.
    func testPermissionDenied() throws {
        var prefix: [String] = []
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw XCTSkip("running as root without setpriv") }
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        }
        let shut = path("shut"), secret = path("secret.mp4")
        try FileManager.default.createDirectory(atPath: shut, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: clip, toPath: secret)
        XCTAssertEqual(chmod(shut, 0o555), 0)
        XCTAssertEqual(chmod(secret, 0o000), 0)
        defer { chmod(shut, 0o755) }
        let denied = "Permission denied"
        try expect(["frames", clip, "--out", shut + "/x.rgb"], fails: "\(shut)/x.rgb: cannot write (\(denied))", prefix: prefix)
        try expect(["predict", clip, "--out", shut + "/p"], fails: "\(shut)/p: cannot write (\(denied))", prefix: prefix)
        try expect(["eval", clip, "--out", shut + "/e"], fails: "\(shut)/e: cannot create the folder (\(denied))", prefix: prefix)
        try expect(["info", secret], fails: "\(secret): cannot read as video (\(denied))", prefix: prefix)
        try expect(["predict", clip, "--model", secret, "--out", path("p")], fails: "\(secret): cannot read (\(denied))", prefix: prefix)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shut), [])
    }

    /// A clip piped in through a FIFO is read as it streams, to the same frames as the file.
    func testAFIFOFedAClipIsRead() throws {
        let fifo = path("clip.mp4")
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        signal(SIGPIPE, SIG_IGN)  // should ebtvid stop reading early, the feeder's write fails instead
        let feeder = Thread {
            let descriptor = open(fifo, O_WRONLY)  // waits for ebtvid to open the other end
            guard descriptor >= 0 else { return }
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, bytes.count) }
            close(descriptor)
        }
        feeder.start()
        let piped = try EbtvidProcess.run(["frames", fifo, "--size", "16"])
        let direct = try EbtvidProcess.run(["frames", clip, "--size", "16"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout.count, 96 * 16 * 16 * 3)
        XCTAssertEqual(piped.stdout, direct.stdout)
    }
}
