import XCTest
@testable import VideoIO

/// Synthetic clips are reproducible from their seed and their surprise ground truth is where the
/// pictures actually depart from the uneventful version of the same clip.
final class SyntheticClipTests: XCTestCase {
    func testSameSeedSamePixelsOtherSeedOtherPixels() {
        for index in 0..<3 {
            let a = SyntheticClip.member(ofSetWithSeed: 42, index: index, size: 32, frameCount: 5)
            let b = SyntheticClip.member(ofSetWithSeed: 42, index: index, size: 32, frameCount: 5)
            let c = SyntheticClip.member(ofSetWithSeed: 43, index: index, size: 32, frameCount: 5)
            XCTAssertEqual(a.frames(), b.frames())
            XCTAssertEqual(a.events, b.events)
            XCTAssertNotEqual(a.frames().map(\.pixels), c.frames().map(\.pixels))
        }
    }

    func testGeneratorIsPinned() {
        // Reproducibility across releases: these values must never change.
        var random = SplitMix64(seed: 0)
        XCTAssertEqual(random.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(random.next(), 0x6E78_9E6A_A1B9_65F4)
        var integers = SplitMix64(seed: 1)
        let drawn = (0..<1000).map { _ in integers.integer(3...7) }
        XCTAssertEqual(Set(drawn), Set(3...7))
    }

    func testSetCoversKindsAndSurprisesAlternate() {
        let set = (0..<6).map { SyntheticClip.member(ofSetWithSeed: 1, index: $0, size: 32, frameCount: 40) }
        XCTAssertEqual(set.map(\.kind), [.bouncing, .pan, .zoom, .bouncing, .pan, .zoom])
        XCTAssertEqual(set.map { !$0.surpriseFrames.isEmpty }, [false, true, false, true, false, true])
        for clip in set {
            XCTAssertTrue(clip.surpriseFrames.allSatisfy { (10..<30).contains($0) }, "\(clip.surpriseFrames)")
        }
    }

    func testSurpriseFramesAreWhereThePicturesDepartFromTheUneventfulClip() throws {
        let photo = try Photo(contentsOf: writePhoto(to: makeTemporaryDirectory(self).appendingPathComponent("p.jpg"),
                                                     color: (90, 140, 200)),
                              side: SyntheticClip.photoSide(forClipSize: 48))
        var checked = Set<String>()
        for seed in UInt64(0)..<40 {
            for kind in SyntheticClip.Kind.allCases {
                // Procedural and photo backdrops alike; the photo clips' own moving shapes never
                // surprise, and a camera clip is the uncut clip up to its cut.
                let backdrop: Photo? = seed % 2 == 0 ? nil : photo
                let eventful = SyntheticClip(seed: seed, kind: kind, size: 48, frameCount: 32, surprises: true, photo: backdrop)
                let plain = SyntheticClip(seed: seed, kind: kind, size: 48, frameCount: 32, surprises: false, photo: backdrop)
                guard eventful.events.count == 1, let event = eventful.events.first else { continue }
                let a = eventful.frames(), b = plain.frames()
                let differing = (0..<32).filter { a[$0] != b[$0] }
                switch event.cause {
                case .appear:
                    // The object is missing before the event, then the clips agree.
                    XCTAssertEqual(differing.last.map { $0 + 1 }, event.frame, "\(kind) seed \(seed)")
                case .vanish, .swerve, .reverse, .cut:
                    XCTAssertEqual(differing.first, event.frame, "\(kind) seed \(seed) \(event.cause)")
                }
                checked.insert("\(event.cause)\(backdrop == nil ? "" : " on photo")")
            }
        }
        XCTAssertEqual(checked, ["appear", "vanish", "swerve", "reverse", "cut",
                                 "appear on photo", "vanish on photo", "swerve on photo", "reverse on photo", "cut on photo"])
    }

    func testWriteProducesClipAndSidecar() throws {
        let directory = try makeTemporaryDirectory(self)
        let clip = SyntheticClip.member(ofSetWithSeed: 9, index: 1, size: 32, frameCount: 12, fps: 15)
        let video = try clip.write(to: directory)
        XCTAssertEqual(video.lastPathComponent, "s9-001-pan.mp4")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("s9-001-pan.json"))) as? [String: Any]
        XCTAssertEqual(json?["kind"] as? String, "pan")
        XCTAssertEqual(json?["frames"] as? Int, 12)
        XCTAssertEqual(json?["fps"] as? Double, 15)
        XCTAssertEqual(json?["size"] as? Int, 32)
        XCTAssertEqual(json?["seed"] as? UInt64, clip.seed)
        XCTAssertEqual(json?["surprise_frames"] as? [Int], clip.surpriseFrames)
        XCTAssertFalse(clip.surpriseFrames.isEmpty)
        let reader = try VideoReader(url: video)
        XCTAssertEqual(reader.metadata.fps, 15)
        XCTAssertEqual(try reader.readAll().count, 12)
    }
}
