import Foundation
import XCTest
import VideoIO
@testable import Pipeline

/// Frames in memory, counting how many were read.
private final class ArraySource: FrameSource {
    let frames: [RGBFrame]
    private(set) var read = 0
    init(_ frames: [RGBFrame]) { self.frames = frames }
    func nextFrame() throws -> RGBFrame? {
        guard read < frames.count else { return nil }
        read += 1
        return frames[read - 1]
    }
}

private final class CollectingSink: FrameSink {
    var frames: [RGBFrame] = []
    func append(_ frame: RGBFrame) throws { frames.append(frame) }
}

/// A frame whose every pixel says which source and which frame it is: R and G the frame index
/// (low and high byte), B the source.
private func labelled(source: Int, index: Int, width: Int = 6, height: Int = 4) -> RGBFrame {
    let pixel: [UInt8] = [UInt8(index & 0xFF), UInt8(index >> 8), UInt8(source)]
    return RGBFrame(width: width, height: height, pixels: Array([[UInt8]](repeating: pixel, count: width * height).joined()))
}

private func label(_ frame: RGBFrame) -> SurpriseClipPlan.Slot {
    // Every pixel must carry the same label, or frames were mixed up.
    let first = Array(frame.pixels[0..<3])
    for p in stride(from: 0, to: frame.pixels.count, by: 3) where Array(frame.pixels[p..<(p + 3)]) != first {
        XCTFail("frame mixes labels")
        break
    }
    return SurpriseClipPlan.Slot(source: Int(first[2]), frame: Int(first[0]) | Int(first[1]) << 8)
}

private func source(_ id: Int, frames: Int) -> ArraySource {
    ArraySource((0..<frames).map { labelled(source: id, index: $0) })
}

/// Renders `plan` from labelled in-memory sources and returns the (source, frame) of each output frame.
private func play(_ plan: SurpriseClipPlan, frames: [Int]) throws -> (labels: [SurpriseClipPlan.Slot], sources: [ArraySource]) {
    let sources = frames.enumerated().map { source($0.offset, frames: $0.element) }
    let sink = CollectingSink()
    let count = try SurpriseClips.render(plan, from: sources, width: 6, height: 4, into: sink)
    XCTAssertEqual(count, sink.frames.count)
    return (sink.frames.map(label), sources)
}

private func shown(_ source: Int, _ frames: some Sequence<Int>) -> [SurpriseClipPlan.Slot] {
    frames.map { SurpriseClipPlan.Slot(source: source, frame: $0) }
}

final class SurpriseClipsTests: XCTestCase {
    func testCutShowsTheFirstClipThenTheSecondAndMarksTheCut() throws {
        let plan = try SurpriseClipPlan.cut(name: "cut", first: "a.avi", firstFrames: 150, second: "b.avi", secondFrames: 130)
        let (labels, sources) = try play(plan, frames: [150, 130])
        XCTAssertEqual(labels, shown(0, 0..<100) + shown(1, 0..<100))
        XCTAssertEqual(plan.surpriseFrames, [100])
        XCTAssertEqual(labels[plan.surpriseFrames[0]], .init(source: 1, frame: 0), "the surprise is the first frame of the second clip")
        XCTAssertEqual(labels[plan.surpriseFrames[0] - 1], .init(source: 0, frame: 99))
        XCTAssertEqual(sources.map(\.read), [100, 100], "each source is read only as far as needed")
        XCTAssertEqual(plan.segments, [.init(source: "a.avi", first: 0, last: 99, start: 0),
                                       .init(source: "b.avi", first: 0, last: 99, start: 100)])

        // A short first clip moves the cut.
        let short = try SurpriseClipPlan.cut(name: "cut", first: "a.avi", firstFrames: 40, second: "b.avi", secondFrames: 130)
        XCTAssertEqual(try play(short, frames: [40, 130]).labels, shown(0, 0..<40) + shown(1, 0..<100))
        XCTAssertEqual(short.surpriseFrames, [40])
    }

    func testReversalPlaysBackwardsThenForwardsAgainAndMarksBothTurns() throws {
        let plan = try SurpriseClipPlan.reversal(name: "rev", source: "a.avi", frames: 200)
        let (labels, sources) = try play(plan, frames: [200])
        XCTAssertEqual(labels, shown(0, 0..<100) + shown(0, stride(from: 98, through: 39, by: -1)) + shown(0, 40..<140))
        XCTAssertEqual(labels.count, 260)
        XCTAssertEqual(plan.surpriseFrames, [100, 160])
        // The surprises are exactly where the direction of play changes, and no frame freezes.
        let steps = zip(labels.dropFirst(), labels).map { $0.frame - $1.frame }
        XCTAssertTrue(steps.allSatisfy { $0 == 1 || $0 == -1 })
        let turns = (1..<steps.count).filter { steps[$0] != steps[$0 - 1] }.map { $0 + 1 }
        XCTAssertEqual(turns, plan.surpriseFrames)
        XCTAssertEqual(sources[0].read, 140)
        XCTAssertEqual(plan.segments.map { [$0.first, $0.last, $0.start] }, [[0, 99, 0], [98, 39, 100], [40, 139, 160]])

        // A short source ends the clip early.
        let short = try SurpriseClipPlan.reversal(name: "rev", source: "a.avi", frames: 120)
        XCTAssertEqual(try play(short, frames: [120]).labels,
                       shown(0, 0..<100) + shown(0, stride(from: 98, through: 39, by: -1)) + shown(0, 40..<120))
        XCTAssertThrowsError(try SurpriseClipPlan.reversal(name: "rev", source: "a.avi", frames: 100)) { error in
            XCTAssertEqual(error as? SurpriseClipError, .tooShort(path: "a.avi", frames: 100, needed: 101, construction: "reversal"))
        }
    }

    func testJumpSkipsTwentyFramesAndMarksTheFrameAfterTheJump() throws {
        let plan = try SurpriseClipPlan.jump(name: "jump", source: "a.avi", frames: 400)
        let (labels, _) = try play(plan, frames: [400])
        XCTAssertEqual(labels, shown(0, 0..<100) + shown(0, 120..<280))
        XCTAssertEqual(plan.surpriseFrames, [100])
        XCTAssertEqual(labels[100].frame - labels[99].frame, 21)

        let short = try SurpriseClipPlan.jump(name: "jump", source: "a.avi", frames: 190)
        XCTAssertEqual(try play(short, frames: [190]).labels, shown(0, 0..<100) + shown(0, 120..<190))
        XCTAssertEqual(short.surpriseFrames, [100])
    }

    func testRenderFailsWhenASourceEndsBeforeThePlan() throws {
        // The plan believes the source has 200 frames; it has 120.
        let plan = try SurpriseClipPlan.jump(name: "jump", source: "a.avi", frames: 200)
        XCTAssertThrowsError(try play(plan, frames: [120])) { error in
            XCTAssertEqual(error as? SurpriseClipError, .tooShort(path: "a.avi", frames: 120, needed: 121, construction: "jump"))
        }
    }

    func testOddSidesLoseTheirLastRowOrColumn() throws {
        XCTAssertEqual(SurpriseClips.outputSize(width: 720, height: 405).width, 720)
        XCTAssertEqual(SurpriseClips.outputSize(width: 720, height: 405).height, 404)
        XCTAssertEqual(SurpriseClips.outputSize(width: 7, height: 5).width, 6)
        // Pixel (x, y) holds x, y, 9.
        let frame = RGBFrame(width: 7, height: 5, pixels: (0..<5).flatMap { y in (0..<7).flatMap { x in [UInt8(x), UInt8(y), 9] } })
        let cropped = try SurpriseClips.crop(frame, width: 6, height: 4, path: "a.avi")
        XCTAssertEqual(cropped.pixels, (0..<4).flatMap { y in (0..<6).flatMap { x in [UInt8(x), UInt8(y), 9] } })
        XCTAssertThrowsError(try SurpriseClips.crop(cropped, width: 7, height: 4, path: "a.avi"))
    }

    func testSidecarGivesTheEvaluatorTheSurpriseFrames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surprise-sidecar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plan = try SurpriseClipPlan.reversal(name: "rev", source: "a.avi", frames: 200)
        let manifest = SurpriseClipManifest(name: plan.name, cause: plan.cause, sources: plan.sources, frames: plan.slots.count,
                                            fps: 25, width: 6, height: 4, surpriseFrames: plan.surpriseFrames,
                                            summary: plan.summary, segments: plan.segments)
        try manifest.write(to: directory.appendingPathComponent("rev.json"))
        XCTAssertEqual(EvalJob.surpriseFrames(of: directory.appendingPathComponent("rev.mp4")), [100, 160])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("rev.json"))) as? [String: Any])
        XCTAssertEqual(object["cause"] as? String, "reversal")
        XCTAssertEqual(object["sources"] as? [String], ["a.avi"])
    }

    // MARK: glitches

    /// A textured picture moving one pixel a frame; the "glitched" copy is the same frames with
    /// re-encoding-like noise whose strength steps up during the clip, plus corrupted blocks on
    /// `glitches` (big ones, and one faint small one).
    private func glitchPair(frames: Int = 90, glitches: [Int: (size: Int, offset: Int)], shift: Int = 0) -> (clean: [RGBFrame], glitched: [RGBFrame]) {
        let width = 40, height = 30
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let texture = (0..<((width + frames + shift) * height * 3)).map { _ in UInt8(next() % 256) }
        func picture(_ t: Int) -> RGBFrame {
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    for c in 0..<3 { pixels[(y * width + x) * 3 + c] = texture[(y * (width + frames + shift) + x + t) * 3 + c] }
                }
            }
            return RGBFrame(width: width, height: height, pixels: pixels)
        }
        let clean = (0..<frames).map(picture)
        let glitched = (0..<frames).map { t -> RGBFrame in
            var frame = picture(t + shift)
            let amplitude = 1 + t / 30
            for i in frame.pixels.indices {
                let noise = Int(next() % UInt64(2 * amplitude + 1)) - amplitude
                frame.pixels[i] = UInt8(max(0, min(255, Int(frame.pixels[i]) + noise)))
            }
            if let glitch = glitches[t] {
                for y in 3..<(3 + glitch.size) {
                    for x in 5..<(5 + glitch.size) {
                        for c in 0..<3 {
                            let i = (y * width + x) * 3 + c
                            frame.pixels[i] = UInt8((Int(frame.pixels[i]) + glitch.offset) % 256)
                        }
                    }
                }
            }
            return frame
        }
        return (clean, glitched)
    }

    func testGlitchDetectionFindsTheInjectedGlitchesAndNoOthers() throws {
        // Frame 47's glitch, 3x3 of 40x30 pixels shifted by 40 (mod 256), adds about half a grey
        // level to the frame's mean difference, which the noise here alone raises by 0.5 to 1.
        let injected: [Int: (size: Int, offset: Int)] = [6: (12, 128), 19: (8, 200), 20: (8, 90), 47: (3, 40), 71: (20, 100)]
        let (clean, glitched) = glitchPair(glitches: injected)
        let report = try GlitchDetection.compare(clean: ArraySource(clean), glitched: ArraySource(glitched),
                                                 cleanName: "clean.avi", glitchedName: "glitched.avi")
        XCTAssertEqual(report.frameCount, 90)
        XCTAssertEqual(report.glitchFrames, injected.keys.sorted())
        XCTAssertLessThan(report.medianSameIndex, report.medianOneBehind)
        XCTAssertGreaterThan(report.nearIdenticalShare, 0.9)

        // Without glitches nothing is found, though the noise steps up twice.
        let (plain, noisy) = glitchPair(glitches: [:])
        let quiet = try GlitchDetection.compare(clean: ArraySource(plain), glitched: ArraySource(noisy),
                                                cleanName: "clean.avi", glitchedName: "glitched.avi")
        XCTAssertEqual(quiet.glitchFrames, [])
    }

    func testGlitchDetectionRefusesClipsThatDoNotLineUp() throws {
        // The glitched copy runs one frame ahead.
        let (clean, ahead) = glitchPair(glitches: [:], shift: 1)
        XCTAssertThrowsError(try GlitchDetection.compare(clean: ArraySource(clean), glitched: ArraySource(ahead),
                                                         cleanName: "clean.avi", glitchedName: "glitched.avi")) { error in
            guard case .misaligned(let cleanName, let glitchedName, _)? = error as? SurpriseClipError else { return XCTFail("\(error)") }
            XCTAssertEqual([cleanName, glitchedName], ["clean.avi", "glitched.avi"])
        }
        // Different lengths.
        let (full, copy) = glitchPair(glitches: [:])
        XCTAssertThrowsError(try GlitchDetection.compare(clean: ArraySource(full), glitched: ArraySource(Array(copy.prefix(80))),
                                                         cleanName: "clean.avi", glitchedName: "glitched.avi")) { error in
            XCTAssertTrue("\(error)".contains("glitched.avi ends after 80 frames"), "\(error)")
        }
    }

    func testOutliersAreMeasuredAgainstTheRunningMedian() {
        // A drift over the clip larger than the smaller spike, plus two spikes: only the spikes are outliers.
        var differences: [Double] = (0..<60).map { (i: Int) -> Double in 1 + Double(i) / 100 + 0.01 * Double(i % 3) }
        differences[12] += 0.5
        differences[44] += 5
        XCTAssertEqual(GlitchDetection.outliers(differences).frames, [12, 44])
        XCTAssertEqual(GlitchDetection.outliers(differences.map { _ in 2 }).frames, [], "a constant series has no outliers")
    }
}
