import Foundation
import XCTest
import EBT
import Tensors
import VideoIO
import PatchCodec
@testable import Pipeline

/// Training windows as random crops of patches from clips of any grid.
final class WindowSamplerTests: XCTestCase {
    static let components = 2

    /// A clip whose every code says where it came from: clip·100000 + frame·1000 + patch·10 + code.
    func clip(_ index: Int, rows: Int, columns: Int, frames: Int) -> EmbeddedClip {
        let layout = PatchLayout(rows: rows, columns: columns), c = Self.components
        let embeddings = (0..<frames).map { t in
            (0..<(layout.patches * c)).map { Float(index * 100_000 + t * 1000 + ($0 / c) * 10 + $0 % c) }
        }
        return EmbeddedClip(url: URL(fileURLWithPath: "/clip\(index).mp4"), embeddings: embeddings, layout: layout, fps: 24, warnings: [])
    }

    /// Clips 0 (5x6, 10 frames) and 1 (4x4, 8 frames) give windows of 4 frames cut to 3x3 patches;
    /// clip 2 is too narrow for the crop and clip 3 too short for a window.
    lazy var clips = [clip(0, rows: 5, columns: 6, frames: 10), clip(1, rows: 4, columns: 4, frames: 8),
                      clip(2, rows: 2, columns: 6, frames: 10), clip(3, rows: 6, columns: 6, frames: 3)]
    let crop = PatchLayout(rows: 3, columns: 3)

    /// Where each window came from, read off its codes, after checking that every code is that
    /// of the patch `crop` puts there: consecutive frames of one clip, a block of whole patches.
    func origins(_ windows: Tensor, length: Int, of clips: [EmbeddedClip]? = nil, file: StaticString = #filePath, line: UInt = #line)
        -> [(clip: Int, start: Int, top: Int, left: Int)] {
        let clips = clips ?? self.clips
        let c = Self.components, e = crop.patches * c
        XCTAssertEqual(windows.shape.dropFirst(), [length, e], file: file, line: line)
        let values = windows.scalars
        return (0..<windows.shape[0]).map { w in
            let first = Int(values[w * length * e])
            let (clip, start, patch) = (first / 100_000, first % 100_000 / 1000, first % 1000 / 10)
            let columns = clips[clip].layout.columns
            let (top, left) = (patch / columns, patch % columns)
            for t in 0..<length {
                for y in 0..<crop.rows {
                    for x in 0..<crop.columns {
                        for j in 0..<c {
                            let expected = clip * 100_000 + (start + t) * 1000 + ((top + y) * columns + left + x) * 10 + j
                            let at = ((w * length + t) * crop.patches + y * crop.columns + x) * c + j
                            XCTAssertEqual(values[at], Float(expected), "window \(w), frame \(t), patch (\(y), \(x))", file: file, line: line)
                        }
                    }
                }
            }
            return (clip, start, top, left)
        }
    }

    func testRandomCropsComeFromTheRightPatchesOfTheRightFrames() {
        let sampler = WindowSampler(clips: clips, length: 4, crop: crop)
        XCTAssertEqual(sampler.layout, crop)
        // Every start of clips 0 and 1; none of clips 2 (2 rows < 3) and 3 (3 frames < 4).
        XCTAssertEqual(sampler.starts.count, 7 + 5)
        XCTAssertEqual(Set(sampler.starts.map(\.clip)), [0, 1])
        var generator = SeededGenerator(seed: 3)
        var seen: [Int: Set<[Int]>] = [:]
        for _ in 0..<20 {
            for origin in origins(sampler.batch(16, using: &generator).windows, length: 4) {
                let layout = clips[origin.clip].layout
                XCTAssertTrue((0...(clips[origin.clip].frameCount - 4)).contains(origin.start))
                XCTAssertTrue((0...(layout.rows - 3)).contains(origin.top) && (0...(layout.columns - 3)).contains(origin.left),
                              "crop at (\(origin.top), \(origin.left)) of clip \(origin.clip)")
                seen[origin.clip, default: []].insert([origin.top, origin.left])
            }
        }
        // 320 draws reach every crop position of both clips: 3x4 of clip 0, 2x2 of clip 1.
        XCTAssertEqual(seen[0]?.count, 12)
        XCTAssertEqual(seen[1]?.count, 4)
        // The same seed draws the same batch.
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        XCTAssertEqual(sampler.batch(8, using: &a).windows.scalars, sampler.batch(8, using: &b).windows.scalars)
        XCTAssertNil(sampler.batch(2, using: &a).guesses, "clips without first guesses give none")
    }

    /// Clips that carry first guesses give them cropped like their windows.
    func testFirstGuessesAreCutLikeTheirWindows() {
        var guessed = clips
        for i in guessed.indices { guessed[i].guesses = guessed[i].embeddings.map { $0.map { -$0 } } }
        let sampler = WindowSampler(clips: guessed, length: 4, crop: crop)
        var generator = SeededGenerator(seed: 5)
        for drawn in [sampler.batch(16, using: &generator), sampler.evenlySpread(6)] {
            let guesses = try! XCTUnwrap(drawn.guesses)
            XCTAssertEqual(guesses.shape, drawn.windows.shape)
            XCTAssertEqual(guesses.scalars, drawn.windows.scalars.map { -$0 })
        }
    }

    /// The validation set is spread evenly over the starts and cropped at each clip's centre.
    func testEvenlySpreadWindowsAreCentred() {
        let sampler = WindowSampler(clips: clips, length: 4, crop: crop)
        let windows = sampler.evenlySpread(6).windows
        XCTAssertEqual(windows.shape[0], 6)
        let found = origins(windows, length: 4)
        for (i, origin) in found.enumerated() {
            let pick = sampler.starts[i * 12 / 6]
            XCTAssertEqual(origin.clip, pick.clip)
            XCTAssertEqual(origin.start, pick.start)
            // Clip 0: (5 − 3) / 2 = 1 and (6 − 3) / 2 = 1; clip 1: (4 − 3) / 2 = 0 both ways.
            let centre = origin.clip == 0 ? (1, 1) : (0, 0)
            XCTAssertEqual(origin.top, centre.0)
            XCTAssertEqual(origin.left, centre.1)
        }
        XCTAssertEqual(Set(found.map(\.clip)), [0, 1])
        XCTAssertEqual(sampler.evenlySpread(100).windows.shape[0], 12, "at most every start once")
    }

    /// Without a crop the windows are whole frames (of clips sharing one grid), and a crop the size
    /// of a clip's grid takes all of it.
    func testWholeFramesWithoutACropAndACropAsLargeAsTheClip() {
        let clip = self.clip(0, rows: 3, columns: 3, frames: 6)
        let whole = WindowSampler(clips: [clip], length: 3)
        XCTAssertEqual(whole.layout, PatchLayout(rows: 3, columns: 3))
        let exact = WindowSampler(clips: [clip], length: 3, crop: crop)
        XCTAssertEqual(exact.starts.count, 4)
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1)
        let (x, y) = (whole.batch(5, using: &a).windows, exact.batch(5, using: &b).windows)
        XCTAssertEqual(x.shape, [5, 3, 18])
        XCTAssertEqual(whole.evenlySpread(4).windows.scalars, exact.evenlySpread(4).windows.scalars)
        for w in 0..<5 {
            let start = Int(x.scalars[w * 3 * 18]) / 1000
            XCTAssertEqual(Array(x.scalars[(w * 54)..<((w + 1) * 54)]), (start..<(start + 3)).flatMap { clip.embeddings[$0] })
        }
        XCTAssertEqual(origins(y, length: 3, of: [clip]).map(\.top), [Int](repeating: 0, count: 5))
        XCTAssertTrue(WindowSampler(clips: [clip], length: 3, crop: PatchLayout(rows: 3, columns: 4)).isEmpty)
        XCTAssertTrue(WindowSampler(clips: [clip], length: 7).isEmpty)
    }
}

/// How a model sees a clip: at its working size in the clip's own aspect ratio.
final class WorkingFramesTests: XCTestCase {
    func testAClipIsReadAtTheModelsWorkingSizeInItsOwnShape() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-working-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let wide = folder.appendingPathComponent("wide.mp4")
        try VideoReaderFixture.writeStatic(RGBFrame(width: 96, height: 54), frames: 2, to: wide)

        // A model from before working sizes reads every clip at its codec's grid.
        let old = try untrainedModel()
        XCTAssertNil(old.network.config.workingLongSide)
        XCTAssertEqual(try WorkingFrames.codec(for: wide, model: old), old.codec)

        var config = old.network.config
        config.workingLongSide = 64
        var generator = SeededGenerator(seed: 1)
        let model = ModelFile(network: .ebt(EnergyModel(config, using: &generator)), codec: old.codec)
        let codec = try WorkingFrames.codec(for: wide, model: model)
        // 54 / 96 · 64 = 36 pixels: 4.5 patches, rounded half away from zero to 5.
        XCTAssertEqual(codec.grid, try PatchGrid(frameWidth: 64, frameHeight: 40, patchSize: 8))
        XCTAssertEqual(codec.basis, old.codec.basis)
        XCTAssertEqual(PatchLayout(codec.grid), PatchLayout(rows: 5, columns: 8))
        let square = try XCTUnwrap(try ClipFinder.clips(in: [committedClips.path]).first)
        XCTAssertEqual(try WorkingFrames.codec(for: square, model: model).grid, try PatchGrid(frameWidth: 64, frameHeight: 64, patchSize: 8))
        XCTAssertThrowsError(try WorkingFrames.codec(for: folder.appendingPathComponent("missing.mp4"), model: model))
    }
}

/// The codec is fitted on patches of every clip read at its own working grid.
final class CodecFittingTests: XCTestCase {
    func testClipsAreReadAtTheirOwnGridForTheCodecsStatistics() throws {
        let clips = Array(try ClipFinder.clips(in: [committedClips.path]).prefix(2))
        let small = try PatchGrid(frameWidth: 16, frameHeight: 16, patchSize: 8), large = try PatchGrid(frameWidth: 64, frameHeight: 64, patchSize: 8)
        let regridded = try CodecFitting.principalComponents(clips: clips, grid: small, gridOf: { _ in large }, maxFramesPerClip: 8)
        let direct = try CodecFitting.principalComponents(clips: clips, grid: large, maxFramesPerClip: 8)
        XCTAssertEqual(regridded.grid, small, "the codec's grid is the one asked for")
        for (a, b) in zip(regridded.mean, direct.mean) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        for (a, b) in zip(regridded.variances.prefix(8), direct.variances.prefix(8)) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(b, 1e-3)) }
        // A clip whose grid cannot be had is skipped and reported.
        var skipped: [URL] = []
        _ = try CodecFitting.principalComponents(clips: clips, grid: large, gridOf: { url in
            if url == clips[0] { throw CocoaError(.fileReadUnknown) }
            return large
        }, maxFramesPerClip: 8, skipped: { url, _ in skipped.append(url) })
        XCTAssertEqual(skipped, [clips[0]])
    }
}
