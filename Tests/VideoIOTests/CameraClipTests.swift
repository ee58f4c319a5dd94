import XCTest
@testable import VideoIO

/// Camera clips — photographs at several depths filmed by a static, panning or hand-held
/// camera — are reproducible, hold the background still when the camera is, move near layers
/// faster than far ones, come in any frame shape, and cut where their sidecar says.
final class CameraClipTests: XCTestCase {
    private typealias Style = CameraFootageScene.Style

    /// Three photographs of different colours with blocky random detail (no period a shift
    /// search could lock onto).
    private func library(side: Int = 256) throws -> PhotoLibrary {
        let directory = try makeTemporaryDirectory(self)
        for (i, color) in [(190, 80, 60), (70, 160, 90), (80, 100, 200)].enumerated() {
            try writePhoto(to: directory.appendingPathComponent("photo\(i).jpg"), width: 240, height: 180, color: color,
                           detail: { x, y in
                               var h = UInt64(x / 3 &* 73_856_093 ^ y / 3 &* 19_349_663 ^ (i &* 83_492_791))
                               h = (h ^ (h >> 13)) &* 0x5BD1_E995
                               return Int((h >> 7) % 71) - 35 + Int(15 * sin(Double(x + i * 40) * 0.05))
                           })
        }
        let library = try PhotoLibrary(directory: directory, side: side)
        XCTAssertTrue(library.photos.allSatisfy(\.isTextured), "test photos should count as textured")
        return library
    }

    private func render(_ scene: CameraFootageScene, frame: Int) -> [UInt8] {
        var scene = scene
        var pixels = [UInt8](repeating: 0, count: scene.width * scene.height * 3)
        pixels.withUnsafeMutableBufferPointer { scene.render(frame: frame, into: $0) }
        return pixels
    }

    private func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8], where keep: (Int) -> Bool = { _ in true }) -> Double {
        var total = 0, count = 0
        for i in a.indices where keep(i / 3) {
            total += abs(Int(a[i]) - Int(b[i]))
            count += 1
        }
        return Double(total) / Double(max(count, 1))
    }

    func testSameSeedSamePixelsInAnyOrderOtherSeedOtherPixels() throws {
        let photos = try library()
        for index in 0..<3 {
            let a = SyntheticClip.member(ofSetWithSeed: 8, index: index, width: 64, height: 48, frameCount: 10,
                                         photos: photos, kinds: .camera)
            let b = SyntheticClip.member(ofSetWithSeed: 8, index: index, width: 64, height: 48, frameCount: 10,
                                         photos: photos, kinds: .camera)
            let c = SyntheticClip.member(ofSetWithSeed: 9, index: index, width: 64, height: 48, frameCount: 10,
                                         photos: photos, kinds: .camera)
            XCTAssertEqual(a.kind, .camera)
            XCTAssertEqual(a.name, "s8-00\(index)-camera-photo")
            let frames = a.frames()
            XCTAssertEqual(frames, b.frames(), "\(a.name) is not reproducible")
            XCTAssertEqual(a.manifest, b.manifest)
            XCTAssertNotEqual(frames.map(\.pixels), c.frames().map(\.pixels))
            XCTAssertNotEqual(frames[0].pixels, frames[9].pixels, "\(a.name) does not move")
            // Rendering holds no state: a frame alone is the frame in sequence.
            XCTAssertEqual(render(a.cameraScene(), frame: 7), frames[7].pixels)
        }
        // Without photographs, procedural textures stand in, just as reproducibly.
        let procedural = SyntheticClip(seed: 3, kind: .camera, width: 48, height: 32, frameCount: 4, surprises: true)
        XCTAssertEqual(procedural.frames(), SyntheticClip(seed: 3, kind: .camera, width: 48, height: 32, frameCount: 4,
                                                          surprises: true).frames())
        XCTAssertNil(procedural.manifest.photos)
    }

    func testAboutAThirdOfTheClipsHaveAStaticCameraThatKeepsTheBackgroundStillButForNoise() throws {
        let photos = try library()
        var still = Style(), panned = Style()
        still.noise = false
        panned.noise = false
        panned.motion = .pan
        var statics = 0, checked = 0
        let count = 60
        for index in 0..<count {
            let clip = SyntheticClip.member(ofSetWithSeed: 21, index: index, width: 64, height: 48, frameCount: 10,
                                            photos: photos, kinds: .camera, cutEvery: 0)
            let scene = clip.cameraScene()
            guard scene.plan.shots[0].camera.motion == .fixed else { continue }
            statics += 1
            XCTAssertEqual(clip.manifest.camera?.shots.first?.motion, "static")
            guard checked < 4 else { continue }
            checked += 1
            let sigma = scene.plan.noiseSigma
            let noisy = clip.frames().map(\.pixels)
            let quiet = (0..<10).map { render(clip.cameraScene(style: still), frame: $0) }
            let moving = (0..<10).map { render(clip.cameraScene(style: panned), frame: $0) }
            for t in 0..<9 {
                // Background: pixels at least two pixels clear of every object in both frames.
                let regions = scene.objectRegions(frame: t) + scene.objectRegions(frame: t + 1)
                let background = (0..<(64 * 48)).map { pixel -> Bool in
                    let x = Double(pixel % 64) + 0.5, y = Double(pixel / 64) + 0.5
                    return regions.allSatisfy { hypot(x - $0.x, y - $0.y) > $0.radius + 2 }
                }
                let share = Double(background.filter { $0 }.count) / Double(background.count)
                XCTAssertGreaterThan(share, 0.3, "\(clip.name) frame \(t): objects cover most of the frame")
                // Without noise the background barely changes (exposure drift and rounding only)...
                var largest = 0
                for i in quiet[t].indices where background[i / 3] {
                    largest = max(largest, abs(Int(quiet[t][i]) - Int(quiet[t + 1][i])))
                }
                XCTAssertLessThanOrEqual(largest, 2, "\(clip.name) frame \(t)")
                // ... with it, frame differences are the noise's: zero mean, size set by sigma.
                var sum = 0.0, absolute = 0.0, n = 0.0
                for i in noisy[t].indices where background[i / 3] {
                    let d = Double(noisy[t + 1][i]) - Double(noisy[t][i])
                    sum += d
                    absolute += abs(d)
                    n += 1
                }
                XCTAssertLessThan(abs(sum / n), 0.6, "\(clip.name) frame \(t): the background drifts")
                XCTAssertLessThan(absolute / n, 1.7 * sigma + 0.8, "\(clip.name) frame \(t): σ \(sigma)")
                XCTAssertGreaterThan(absolute / n, 0.5 * sigma, "\(clip.name) frame \(t): no noise at σ \(sigma)")
            }
            // Over the clip, the same clip filmed panning changes the same pixels far more.
            let regions = (0..<10).flatMap { scene.objectRegions(frame: $0) }
            let clear = (0..<(64 * 48)).map { pixel -> Bool in
                let x = Double(pixel % 64) + 0.5, y = Double(pixel / 64) + 0.5
                return regions.allSatisfy { hypot(x - $0.x, y - $0.y) > $0.radius + 2 }
            }
            let panChange = meanAbsoluteDifference(moving[0], moving[9]) { clear[$0] }
            let stillChange = meanAbsoluteDifference(quiet[0], quiet[9]) { clear[$0] }
            XCTAssertLessThan(stillChange, 1, clip.name)
            XCTAssertGreaterThan(panChange, max(4 * stillChange, 3), clip.name)
        }
        XCTAssertEqual(checked, 4)
        XCTAssertTrue((0.2...0.47).contains(Double(statics) / Double(count)), "\(statics) of \(count) static")
    }

    /// Pixels that are not black.
    private static func coveredPixels(_ pixels: [UInt8]) -> Int {
        var count = 0
        for i in stride(from: 0, to: pixels.count, by: 3) where pixels[i] != 0 || pixels[i + 1] != 0 || pixels[i + 2] != 0 {
            count += 1
        }
        return count
    }

    /// The integer shift (dx, dy) that best maps `a` onto `b` (b(x, y) ≈ a(x − dx, y − dy)).
    private func bestShift(from a: [UInt8], to b: [UInt8], width: Int, height: Int, range: Int) -> (x: Int, y: Int) {
        var best = (x: 0, y: 0), bestCost = Double.infinity
        for dy in -range...range {
            for dx in -range...range {
                var cost = 0, count = 0
                for y in max(0, dy)..<min(height, height + dy) {
                    for x in max(0, dx)..<min(width, width + dx) {
                        let p = (y * width + x) * 3, q = ((y - dy) * width + (x - dx)) * 3
                        cost += abs(Int(b[p]) - Int(a[q])) + abs(Int(b[p + 1]) - Int(a[q + 1])) + abs(Int(b[p + 2]) - Int(a[q + 2]))
                        count += 1
                    }
                }
                guard count >= width * height / 3 else { continue }
                let mean = Double(cost) / Double(count)
                if mean < bestCost { (best, bestCost) = ((dx, dy), mean) }
            }
        }
        return best
    }

    func testNearerLayersMoveFasterUnderAPanInTheBookkeepingAndOnScreen() throws {
        let photos = try library()
        var pan = Style()
        pan.motion = .pan
        pan.zoom = false
        pan.shake = false
        var measured = 0
        for index in 0..<30 where measured < 3 {
            let clip = SyntheticClip.member(ofSetWithSeed: 5, index: index, width: 64, height: 48, frameCount: 12,
                                            photos: photos, kinds: .camera, cutEvery: 0)
            let scene = clip.cameraScene(style: pan)
            let layers = scene.plan.shots[0].layers
            XCTAssertTrue((2...3).contains(layers.count))
            XCTAssertEqual(layers.map(\.depth), layers.map(\.depth).sorted(), "layers go from far to near")
            // The first frame at which the background has moved three pixels.
            guard let later = (1..<12).first(where: { let s = scene.layerShift(layer: 0, from: 0, to: $0); return hypot(s.x, s.y) >= 3 })
            else { continue }
            let shifts = layers.indices.map { scene.layerShift(layer: $0, from: 0, to: later) }
            for i in 1..<layers.count {
                XCTAssertEqual(hypot(shifts[i].x, shifts[i].y) / hypot(shifts[0].x, shifts[0].y), layers[i].depth, accuracy: 1e-9)
                XCTAssertGreaterThan(hypot(shifts[i].x, shifts[i].y), 1.3 * hypot(shifts[0].x, shifts[0].y))
            }

            // On screen: each layer drawn alone, sharp and clean, moves by its bookkept shift.
            var found: [(x: Int, y: Int)] = []
            for layer in [0, 1] {
                var alone = pan
                alone.onlyLayer = layer
                alone.noise = false
                alone.exposureDrift = false
                alone.vignette = false
                alone.motionBlur = false
                let drawn = clip.cameraScene(style: alone)
                let a = render(drawn, frame: 0), b = render(drawn, frame: later)
                guard Self.coveredPixels(a) > 64 * 48 / 6, Self.coveredPixels(b) > 64 * 48 / 6 else { break }
                let expected = shifts[layer]
                let range = min(Int(hypot(expected.x, expected.y) * 2) + 4, 24)
                let shift = bestShift(from: a, to: b, width: 64, height: 48, range: range)
                XCTAssertEqual(Double(shift.x), expected.x, accuracy: 0.75, "\(clip.name) layer \(layer)")
                XCTAssertEqual(Double(shift.y), expected.y, accuracy: 0.75, "\(clip.name) layer \(layer)")
                found.append(shift)
            }
            guard found.count == 2 else { continue }
            XCTAssertGreaterThan(hypot(Double(found[1].x), Double(found[1].y)), hypot(Double(found[0].x), Double(found[0].y)),
                                 "\(clip.name): the near layer should move farther")
            measured += 1
        }
        XCTAssertEqual(measured, 3, "too few clips with a visible near layer")
    }

    func testEveryKindTakesNonSquareFramesAndTheSidecarSaysWidthAndHeight() throws {
        let photos = try library()
        let directory = try makeTemporaryDirectory(self)
        for (width, height) in [(48, 32), (32, 48)] {
            for kind in SyntheticClip.Kind.allCases {
                for photo in [nil, photos.photos[0]] {
                    let clip = SyntheticClip(seed: 5, kind: kind, width: width, height: height, frameCount: 6, surprises: true,
                                             photo: photo, photoPool: photo == nil ? [] : photos.photos)
                    let frames = clip.frames()
                    XCTAssertEqual(frames.count, 6)
                    for frame in frames {
                        XCTAssertEqual(frame.width, width)
                        XCTAssertEqual(frame.height, height)
                        XCTAssertEqual(frame.pixels.count, width * height * 3)
                    }
                    XCTAssertNotEqual(frames[0].pixels, frames[5].pixels, "\(kind) \(width)x\(height) does not move")
                    let rows = (0..<height).map { y in frames[0].pixels[(y * width * 3)..<((y + 1) * width * 3)] }
                    XCTAssertNotEqual(rows.first, rows.last, "\(kind) \(width)x\(height): the frame should differ top to bottom")

                    let sub = directory.appendingPathComponent("\(kind)-\(width)x\(height)-\(photo == nil ? "procedural" : "photo")")
                    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
                    let video = try clip.write(to: sub)
                    let reader = try VideoReader(url: video)
                    XCTAssertEqual(reader.metadata.width, width)
                    XCTAssertEqual(reader.metadata.height, height)
                    XCTAssertEqual(try reader.readAll().count, 6)
                    let json = try XCTUnwrap(JSONSerialization.jsonObject(
                        with: Data(contentsOf: sub.appendingPathComponent(clip.name + ".json"))) as? [String: Any])
                    XCTAssertEqual(json["width"] as? Int, width)
                    XCTAssertEqual(json["height"] as? Int, height)
                    XCTAssertNil(json["size"], "a non-square clip has no single size")
                    let decoded = try JSONDecoder().decode(SyntheticClipManifest.self,
                                                           from: Data(contentsOf: sub.appendingPathComponent(clip.name + ".json")))
                    XCTAssertEqual(decoded, clip.manifest)
                }
            }
        }
        // Square clips keep the sidecar they always had: `size`, no width or height.
        let square = SyntheticClip(seed: 5, kind: .camera, size: 32, frameCount: 3, surprises: false)
        let data = try JSONEncoder().encode(square.manifest)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(json["size"] as? Int, 32)
        XCTAssertNil(json["width"])
        XCTAssertNil(json["height"])
        XCTAssertEqual(try JSONDecoder().decode(SyntheticClipManifest.self, from: data), square.manifest)
    }

    func testEveryFourthClipCutsToAnotherPhotoAtItsSurpriseFrame() throws {
        let photos = try library()
        var cuts = 0
        for index in 0..<8 {
            let clip = SyntheticClip.member(ofSetWithSeed: 13, index: index, width: 64, height: 48, frameCount: 24,
                                            photos: photos, kinds: .camera)
            XCTAssertEqual(clip.events.isEmpty, index % 4 != 3, "clip \(index)")
            guard let cut = clip.events.first else { continue }
            XCTAssertEqual(cut.cause, .cut)
            XCTAssertEqual(clip.surpriseFrames, [cut.frame])
            XCTAssertEqual(clip.manifest.surpriseFrames, [cut.frame])
            XCTAssertTrue((6..<18).contains(cut.frame), "cut at \(cut.frame)")

            let frames = clip.frames().map(\.pixels)
            let changes = (1..<24).map { meanAbsoluteDifference(frames[$0 - 1], frames[$0]) }
            let atCut = changes[cut.frame - 1]
            let elsewhere = changes.enumerated().filter { $0.offset != cut.frame - 1 }.map(\.element)
            XCTAssertGreaterThan(atCut, 20, "\(clip.name): the cut changes too little")
            XCTAssertGreaterThan(atCut, 3 * (elsewhere.max() ?? 0), "\(clip.name): \(atCut) at the cut vs \(elsewhere)")

            // Up to the cut, the clip is the same clip without one; from it on, another scene.
            let uncut = SyntheticClip(seed: clip.seed, kind: .camera, width: 64, height: 48, frameCount: 24, surprises: false,
                                      photo: clip.photo, photoPool: clip.photoPool).frames().map(\.pixels)
            XCTAssertEqual(Array(frames[..<cut.frame]), Array(uncut[..<cut.frame]))
            XCTAssertGreaterThan(meanAbsoluteDifference(frames[cut.frame], uncut[cut.frame]), 20)

            let shots = try XCTUnwrap(clip.manifest.camera?.shots)
            XCTAssertEqual(shots.map(\.frame), [0, cut.frame])
            XCTAssertNotEqual(shots[0].photo, shots[1].photo, "the cut should film another photograph")
            cuts += 1
        }
        XCTAssertEqual(cuts, 2)
        // No cuts at all when asked for none.
        XCTAssertTrue((0..<8).allSatisfy {
            SyntheticClip.member(ofSetWithSeed: 13, index: $0, size: 32, frameCount: 24, photos: photos, kinds: .camera,
                                 cutEvery: 0).events.isEmpty
        })
    }

    func testCameraClipsAreEncodedAtOrdinaryQualityOthersNearLossless() throws {
        let photos = try library()
        let directory = try makeTemporaryDirectory(self)
        let camera = SyntheticClip.member(ofSetWithSeed: 2, index: 0, width: 64, height: 48, frameCount: 4,
                                          photos: photos, kinds: .camera)
        let pan = SyntheticClip.member(ofSetWithSeed: 2, index: 1, size: 32, frameCount: 4)
        XCTAssertEqual(camera.defaultWriteOptions.crf, 23)
        XCTAssertEqual(pan.defaultWriteOptions.crf, 14)
        // x264 records its settings in the stream.
        for (clip, expected) in [(camera, "crf=23.0"), (pan, "crf=14.0")] {
            let bytes = try Data(contentsOf: clip.write(to: directory))
            XCTAssertNotNil(bytes.range(of: Data(expected.utf8)), "\(clip.name) is not encoded at \(expected)")
            XCTAssertNotNil(bytes.range(of: Data("mbtree=0".utf8)), "\(clip.name) is not encoded reproducibly")
        }
    }

    func testTexturedPhotosAreTellableFromFlatWallpapers() throws {
        let directory = try makeTemporaryDirectory(self)
        let flat = try Photo(contentsOf: writePhoto(to: directory.appendingPathComponent("flat.jpg"), color: (90, 120, 200),
                                                    detail: { x, _ in x / 20 }), side: 128)
        XCTAssertFalse(flat.isTextured, "detail \(flat.detail), share \(flat.texturedShare)")
        let textured = try library(side: 128).photos[0]
        XCTAssertTrue(textured.isTextured, "detail \(textured.detail), share \(textured.texturedShare)")
        // A camera set films textured photos when the library has them.
        let folder = directory.appendingPathComponent("mixed")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: textured.url, to: folder.appendingPathComponent("b-textured.jpg"))
        for i in 0..<3 {
            try writePhoto(to: folder.appendingPathComponent("a-flat\(i).jpg"), color: (60 + 40 * i, 120, 200), detail: { _, _ in 0 })
        }
        let library = try PhotoLibrary(directory: folder, side: 128)
        for index in 0..<6 {
            let clip = SyntheticClip.member(ofSetWithSeed: 1, index: index, size: 32, frameCount: 2, photos: library, kinds: .camera)
            XCTAssertEqual(clip.photo?.url.lastPathComponent, "b-textured.jpg")
        }
    }
}
