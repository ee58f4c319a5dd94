import ArgumentParser
import FileSystem
import Foundation
import VideoIO

/// `ebtvid frames CLIP`: decoded frames as raw RGB24 (the bytes of
/// `ffmpeg -f rawvideo -pix_fmt rgb24`) or as a NumPy uint8 array [T, H, W, 3].
struct FramesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Decode a clip to raw rgb24 frames or a .npy array.",
        discussion: """
            Frames are centre-cropped to the output's aspect ratio, then area-averaged down to the \
            output size (--stretch scales the whole frame instead). Raw output is frame after frame, \
            row-major, 3 bytes per pixel. Files are written atomically: they appear only when complete.
            """)

    @Argument(help: "The video file (anything FFmpeg decodes) or still image.")
    var clip: String

    @Option(help: "Output size, WxH or N for NxN; default: the clip's own size.")
    var size: FrameSize?

    @Option(parsing: .unconditional, help: "Keep every k-th frame.")
    var stride = 1

    @Option(name: .customLong("max-frames"), parsing: .unconditional, help: "Stop after this many frames.")
    var maxFrames: Int?

    @Option(parsing: .unconditional, help: "Index of the first frame to keep.")
    var start = 0

    @Option(parsing: .unconditional, help: "Resample to this frame rate (drops or repeats frames by timestamp).")
    var fps: Double?

    @Flag(help: "Scale the whole frame to the output size instead of centre-cropping to its aspect.")
    var stretch = false

    @Option(help: "Output file: '-' for stdout, a name ending in .npy for NumPy, anything else for raw rgb24.")
    var out = "-"

    @OptionGroup var orientation: OrientationOption

    var readOptions: ReadOptions {
        ReadOptions(width: size?.width, height: size?.height, stride: stride, targetFPS: fps, start: start,
                    maxFrames: maxFrames, resize: stretch ? .stretch : .centerCrop, keepOrientation: orientation.keepOrientation)
    }

    func validate() throws {
        if let problem = OutputPath.problem(out) { throw ValidationError(problem) }
        do { try readOptions.validate() } catch let error as VideoIOError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        // Open the clip before the output, so a bad clip leaves no output behind.
        let reader: VideoReader
        do { reader = try VideoReader(url: URL(fileURLWithPath: clip), options: readOptions) } catch VideoIOError.invalidOption(let problem) {
            throw ValidationError(problem)  // --fps beyond what the clip's own rate allows
        }
        let (width, height) = reader.outputSize
        let output = try FrameOutput(path: out, width: width, height: height, expectedFrames: reader.expectedFrameCount)
        var frame = RGBFrame(width: width, height: height)
        while try reader.nextFrame(into: &frame) {
            guard frame.width == width, frame.height == height else {
                throw VideoIOError.unreadable(path: clip, reason: "frame size changed mid-stream to \(frame.width)x\(frame.height); "
                                                + "pass --size to get frames of one size")
            }
            try frame.pixels.withUnsafeBytes { try output.write($0) }
        }
        for warning in reader.warnings { Diagnostics.warn(warning) }
        if reader.deliveredCount == 0 {
            throw VideoIOError.noFrames(path: clip, reason: "no frame matches the selection")
        }
        try output.finish()
        if out != "-" {
            Diagnostics.note("wrote \(reader.deliveredCount) frames of \(width)x\(height) to \(out)")
        }
    }
}
