import EBT
import Foundation
import PatchCodec
import Pipeline
import Tensors
import VideoIO

/// The overlay's speed (issue: overlay, "a 720p clip of at least 1000 frames, as frames per second
/// of the clip").
///
/// `overlay_fps_720p`: `ebtvid overlay`'s job (`OverlayJob`) on a 1280x720 H.264 clip of 1200
/// frames (the decode group's testsrc2 clip, made once with the ffmpeg CLI, or with our own writer
/// when there is no ffmpeg), output at the overlay's default size (256 on the long side), in frames
/// of the clip per wall-clock second: both passes, i.e. decoding at the working size with the
/// motion first guesses, thinking and scoring every frame, decoding again at display size, drawing
/// and encoding. The model has the default model's configuration with untrained weights (speed does
/// not depend on them) and a PCA codec fitted on the clip itself (not timed). One run.
/// `overlay_fps_720p_full_size`: the same drawn at the clip's own 1280x720 (`--full-size`).
func runOverlayBenchmarks() throws {
    let frames = 1200
    let cache = try benchCache()
    let clip: URL
    if let ffmpeg = try? findOnPath("ffmpeg") {
        clip = try benchClip(cache.appendingPathComponent("testsrc2-720p-\(frames).mp4"), frames: frames, ffmpeg: ffmpeg)
    } else {
        clip = try writtenClip(cache.appendingPathComponent("moving-720p-\(frames).mp4"), frames: frames)
    }
    let model = try overlayModel(for: clip)
    let output = cache.appendingPathComponent("overlay-\(ProcessInfo.processInfo.processIdentifier).mp4")
    let scores = OverlayScores.files(besides: output)
    defer { for file in [output, scores.csv, scores.json] { try? FileManager.default.removeItem(at: file) } }
    for (name, size) in [("overlay_fps_720p", OverlayRequest.defaultSize), ("overlay_fps_720p_full_size", nil)] {
        var request = OverlayRequest(clip: clip, output: output)
        request.size = size
        let begin = DispatchTime.now().uptimeNanoseconds
        let result = try OverlayJob(model: model).run(request)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
        guard result.energies.count >= 1000 else {
            throw OverlayBenchmarkError("the overlay saw \(result.energies.count) frames of \(clip.lastPathComponent), expected at least 1000")
        }
        report(name, Double(result.energies.count) / seconds, decimals: 1)
    }
}

/// An untrained EBT of the default configuration with a 16-component PCA codec fitted on `clip`
/// at its working grid (128x72 for 720p), as `ebtvid train` would fit it.
private func overlayModel(for clip: URL) throws -> ModelFile {
    let config = defaultRecipe()
    let metadata = try VideoReader(url: clip).metadata
    let working = try PatchGrid.working(sourceWidth: metadata.width, sourceHeight: metadata.height,
                                        longSide: config.workingLongSide ?? 128, patchSize: 8)
    let training = try PatchGrid(frameWidth: 8 * config.gridColumns, frameHeight: 8 * config.trainingLayout.rows, patchSize: 8)
    let codec = try CodecFitting.principalComponents(clips: [clip], grid: training, gridOf: { _ in working })
        .codec(keeping: config.components)
    var generator = SeededGenerator(seed: 5)
    return ModelFile(network: .ebt(EnergyModel(config, using: &generator)), codec: codec)
}

/// Without the ffmpeg CLI: a 720p clip written by our own encoder, squares moving over a
/// gradient, made once.
func writtenClip(_ url: URL, frames: Int) throws -> URL {
    if FileManager.default.fileExists(atPath: url.path) { return url }
    let (width, height) = (1280, 720)
    let partial = url.deletingPathExtension().appendingPathExtension("partial.mp4")
    let writer = try VideoWriter(url: partial, width: width, height: height, fps: 30)
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for t in 0..<frames {
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8((x + 2 * t) & 255)
                pixels[i + 1] = UInt8((y + t) & 255)
                pixels[i + 2] = UInt8(((x ^ y) >> 2) & 255)
            }
        }
        for k in 0..<4 {
            let side = 96 + 32 * k
            let left = (t * (3 + k) + 200 * k) % (width - side), top = (t * (2 + k) + 120 * k) % (height - side)
            for y in top..<(top + side) {
                for x in left..<(left + side) {
                    let i = (y * width + x) * 3
                    (pixels[i], pixels[i + 1], pixels[i + 2]) = (UInt8(60 * k), 255 - UInt8(50 * k), 128)
                }
            }
        }
        try pixels.withUnsafeBufferPointer { try writer.append(pixels: $0) }
    }
    try writer.finish()
    try FileManager.default.moveItem(at: partial, to: url)
    return url
}

private struct OverlayBenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
