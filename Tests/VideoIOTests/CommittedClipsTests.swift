import XCTest
@testable import VideoIO

/// The clips committed in clips/ are what `ebtvid synth` makes from their sidecar's seed: the
/// demo and later tests can rely on their surprise ground truth.
final class CommittedClipsTests: XCTestCase {
    func testCommittedClipsMatchTheirSidecars() throws {
        let clips = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("clips")
        let sidecars = try FileManager.default.contentsOfDirectory(atPath: clips.path).filter { $0.hasSuffix(".json") }
        XCTAssertGreaterThanOrEqual(sidecars.count, 6)
        var surprising = 0
        for name in sidecars {
            let manifest = try JSONDecoder().decode(SyntheticClipManifest.self,
                                                    from: Data(contentsOf: clips.appendingPathComponent(name)))
            let setSeed = try XCTUnwrap(manifest.setSeed), index = try XCTUnwrap(manifest.index)
            let clip = SyntheticClip.member(ofSetWithSeed: setSeed, index: index, width: manifest.width,
                                            height: manifest.height, frameCount: manifest.frames, fps: manifest.fps)
            XCTAssertEqual(clip.manifest, manifest, name)
            if !manifest.surpriseFrames.isEmpty { surprising += 1 }

            let reader = try VideoReader(url: clips.appendingPathComponent(manifest.name + ".mp4"))
            var decoded = 0
            var frame = RGBFrame(width: 0, height: 0, pixels: [])
            try clip.forEachFrame { original in
                XCTAssertTrue(try reader.nextFrame(into: &frame), "\(name) ends early")
                XCTAssertGreaterThanOrEqual(psnr(original, frame), 35, "\(name) frame \(decoded)")
                decoded += 1
            }
            XCTAssertFalse(try reader.nextFrame(into: &frame), "\(name) has extra frames")
        }
        XCTAssertGreaterThan(surprising, 0)
    }
}
