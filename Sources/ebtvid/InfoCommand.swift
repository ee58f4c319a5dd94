import ArgumentParser
import Foundation
import VideoIO

/// `ebtvid info CLIP...`: what each clip says about itself, without decoding it.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print each clip's container, codec, size, frame rate, duration, frame count and rotation.")

    @Argument(help: "Video files or still images.")
    var clips: [String]

    @Flag(help: "Print a JSON array with one object per clip.")
    var json = false

    func validate() throws {
        if clips.isEmpty { throw ValidationError("give at least one clip") }
    }

    /// A bad clip is reported and skipped, so one broken file does not hide the others' metadata;
    /// the exit code still says something failed.
    func run() throws {
        var described: [VideoMetadata] = []
        var failures = 0
        for clip in clips {
            do {
                described.append(try VideoReader(url: URL(fileURLWithPath: clip)).metadata)
            } catch {
                Diagnostics.report(error)
                failures += 1
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(described), as: UTF8.self))
        } else {
            for metadata in described { print(Self.text(metadata)) }
        }
        if failures > 0 { throw ExitCode.failure }
    }

    /// The rotation, and for a turned clip the size its frames are read at, which the other
    /// commands use unless --keep-orientation.
    private static func rotationText(_ m: VideoMetadata) -> String {
        let turn = FrameRotation.quarterTurn(m.rotation)
        guard turn != 0 else { return "\(m.rotation)" }
        let (width, height) = FrameRotation.swapsSides(turn) ? (m.height, m.width) : (m.width, m.height)
        return "\(m.rotation) (read upright as \(width)x\(height); --keep-orientation reads it as stored)"
    }

    private static func text(_ m: VideoMetadata) -> String {
        let rows: [(String, String)] = [
            ("container", m.container),
            ("codec", "\(m.codec) (\(m.pixelFormat))"),
            ("size", "\(m.width)x\(m.height)"),
            ("fps", String(format: "%.3f", m.fps)),
            ("duration", m.duration.map { String(format: "%.3f s", $0) } ?? "unknown"),
            ("frames", m.frameCount.map(String.init) ?? "unknown"),
            ("rotation", rotationText(m)),
        ]
        return ([m.path] + rows.map { "  " + $0.0.padding(toLength: 11, withPad: " ", startingAt: 0) + $0.1 })
            .joined(separator: "\n")
    }
}
