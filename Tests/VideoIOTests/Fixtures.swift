import Foundation
import XCTest
@testable import VideoIO

/// A fresh directory per test, removed afterwards.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("videoio-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
    return directory
}

/// Peak signal-to-noise ratio between two RGB frames, in dB (infinite when identical).
func psnr(_ a: RGBFrame, _ b: RGBFrame) -> Double {
    precondition(a.pixels.count == b.pixels.count)
    var squared = 0.0
    for i in a.pixels.indices {
        let d = Double(a.pixels[i]) - Double(b.pixels[i])
        squared += d * d
    }
    let mse = squared / Double(a.pixels.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
}

/// Writes frames to `url` and returns it; the short way to make a clip for a test.
@discardableResult
func writeClip(_ frames: [RGBFrame], to url: URL, fps: Double = 24, options: WriteOptions = WriteOptions()) throws -> URL {
    let writer = try VideoWriter(url: url, width: frames[0].width, height: frames[0].height, fps: fps, options: options)
    for frame in frames { try writer.append(frame) }
    try writer.finish()
    return url
}

/// A frame of three horizontal bands (green / grey / blue) so crops are easy to recognise.
func bandedFrame(width: Int, height: Int) -> RGBFrame {
    var frame = RGBFrame(width: width, height: height)
    for y in 0..<height {
        let color: [UInt8] = y < height / 4 ? [0, 200, 0] : y >= height * 3 / 4 ? [0, 0, 200] : [128, 128, 128]
        for x in 0..<width { frame.pixels.replaceSubrange((y * width + x) * 3 ..< (y * width + x) * 3 + 3, with: color) }
    }
    return frame
}

/// A mono 16-bit PCM WAV: an audio-only file without needing the ffmpeg CLI.
func writeWAV(to url: URL, seconds: Double = 0.5, sampleRate: Int = 8000) throws {
    let samples = Int(seconds * Double(sampleRate))
    var data = Data()
    func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + samples * 2))
    data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(1))
    append(UInt32(sampleRate)); append(UInt32(sampleRate * 2)); append(UInt16(2)); append(UInt16(16))
    data.append(contentsOf: Array("data".utf8)); append(UInt32(samples * 2))
    for i in 0..<samples { append(Int16(8000 * sin(Double(i) * 0.3))) }
    try data.write(to: url)
}

/// A YUV4MPEG2 stream header with the given size followed by `frames` frames of mid-grey
/// (none at all when 0): crafted headers for the size-limit and empty-stream cases.
func writeY4M(to url: URL, width: Int, height: Int, frames: Int, payloadBytes: Int? = nil) throws {
    var data = Data("YUV4MPEG2 W\(width) H\(height) F25:1 Ip A1:1 C420jpeg\n".utf8)
    for _ in 0..<frames {
        data.append(contentsOf: Array("FRAME\n".utf8))
        data.append(Data(repeating: 128, count: payloadBytes ?? width * height * 3 / 2))
    }
    try data.write(to: url)
}

/// Every file in `directory`, hidden ones included: proves nothing was left behind.
func directoryEntries(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

/// A photograph stand-in: a colour plus luminance `detail` at each pixel (by default fine
/// enough that any crop has about the same mean), written as a one-frame JPEG — what FFmpeg
/// reads back as a still image.
@discardableResult
func writePhoto(to url: URL, width: Int = 200, height: Int = 150, color: (Int, Int, Int),
                detail: (_ x: Int, _ y: Int) -> Int = { x, y in ((x / 2 + y / 3) % 3 - 1) * 12 }) throws -> URL {
    var frame = RGBFrame(width: width, height: height)
    for y in 0..<height {
        for x in 0..<width {
            let detail = detail(x, y)
            let offset = (y * width + x) * 3
            for (c, base) in [color.0, color.1, color.2].enumerated() {
                frame.pixels[offset + c] = UInt8((base + detail).clamped(to: 0...255))
            }
        }
    }
    return try writeClip([frame], to: url, options: WriteOptions(codec: .mjpeg))
}
