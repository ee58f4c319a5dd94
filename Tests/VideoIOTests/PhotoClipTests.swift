import XCTest
@testable import VideoIO

/// Synthetic clips that film photographs: reproducible from the seed, showing the photo rather
/// than a procedural texture, and refusing folders without usable images.
final class PhotoClipTests: XCTestCase {
    private let red = (220, 40, 30)

    func testPhotoClipsAreReproducibleAndShowThePhoto() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = try writePhoto(to: directory.appendingPathComponent("red.jpg"), color: red)
        let library = try PhotoLibrary(directory: directory, side: SyntheticClip.photoSide(forClipSize: 32))
        let photoMean = try XCTUnwrap(library.photos.first).meanColor
        XCTAssertEqual(photoMean.0, Float(red.0), accuracy: 12)
        XCTAssertEqual(photoMean.1, Float(red.1), accuracy: 12)

        for index in 0..<3 {
            let clip = SyntheticClip.member(ofSetWithSeed: 11, index: index, size: 32, frameCount: 8, photos: library)
            let again = SyntheticClip.member(ofSetWithSeed: 11, index: index, size: 32, frameCount: 8, photos: library)
            let procedural = SyntheticClip.member(ofSetWithSeed: 11, index: index, size: 32, frameCount: 8)
            let frames = clip.frames()
            XCTAssertEqual(frames, again.frames(), "\(clip.name) is not reproducible")
            XCTAssertEqual(clip.events, procedural.events, "surprises do not depend on the backdrop")
            XCTAssertEqual(clip.name, procedural.name + "-photo")
            XCTAssertEqual(clip.manifest.photo, file.path)
            XCTAssertNil(procedural.manifest.photo)
            XCTAssertNotEqual(frames[0].pixels, procedural.frames()[0].pixels)
            XCTAssertNotEqual(frames[0].pixels, frames[7].pixels, "\(clip.name) does not move")

            // The camera clips' view is the photo with a few small shapes in front of it; the
            // bouncing clips dim their background to 60 % and carry larger shapes.
            let (expected, tolerance): ((Float, Float, Float), Float) = clip.kind == .bouncing
                ? ((photoMean.0 * 0.6, photoMean.1 * 0.6, photoMean.2 * 0.6), 45)
                : (photoMean, 24)
            let mean = Self.meanColor(frames[0])
            for (got, want) in [(mean.0, expected.0), (mean.1, expected.1), (mean.2, expected.2)] {
                XCTAssertEqual(got, want, accuracy: tolerance, "\(clip.name) first frame mean \(mean) vs photo \(expected)")
            }
            let proceduralMean = Self.meanColor(procedural.frames()[0])
            XCTAssertGreaterThan(abs(proceduralMean.1 - mean.1) + abs(proceduralMean.2 - mean.2), 50,
                                 "the procedural clip should not look like the red photo")
        }
    }

    func testSeedsPickEveryPhotoInPathOrder() throws {
        let directory = try makeTemporaryDirectory(self)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("nested"), withIntermediateDirectories: true)
        try writePhoto(to: directory.appendingPathComponent("nested/b.jpeg"), color: (30, 200, 40))
        try writePhoto(to: directory.appendingPathComponent("a.jpg"), color: red)
        try Data("not an image".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let library = try PhotoLibrary(directory: directory, side: 64)
        XCTAssertEqual(library.photos.map(\.url.lastPathComponent), ["a.jpg", "b.jpeg"])
        let picked = Set((0..<40).map { library.photo(forSeed: UInt64($0)).url.lastPathComponent })
        XCTAssertEqual(picked, ["a.jpg", "b.jpeg"])
        XCTAssertEqual(library.photo(forSeed: 7).url, library.photo(forSeed: 7).url)
    }

    func testFoldersWithoutUsableImagesAreRefusedByName() throws {
        let directory = try makeTemporaryDirectory(self)
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try Data("not an image".utf8).write(to: empty.appendingPathComponent("readme.txt"))
        XCTAssertThrowsError(try PhotoLibrary(directory: empty, side: 64)) { error in
            XCTAssertTrue("\(error)".contains("no .jpg, .jpeg or .png photos"), "\(error)")
            XCTAssertTrue("\(error)".contains(empty.relativePath), "\(error)")
        }

        let broken = directory.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try writePhoto(to: broken.appendingPathComponent("good.jpg"), color: red)
        try Data("this is not a jpeg".utf8).write(to: broken.appendingPathComponent("bad.jpg"))
        XCTAssertThrowsError(try PhotoLibrary(directory: broken, side: 64)) { error in
            XCTAssertTrue(error is VideoIOError, "\(error)")
            XCTAssertTrue("\(error)".contains("bad.jpg"), "\(error)")
        }

        XCTAssertThrowsError(try PhotoLibrary(directory: directory.appendingPathComponent("missing"), side: 64)) { error in
            XCTAssertEqual(error as? VideoIOError, .fileNotFound(path: directory.appendingPathComponent("missing").relativePath))
        }
    }

    func testPhotoMirrorsAtItsEdgesAndAveragesWhenZoomedOut() throws {
        let directory = try makeTemporaryDirectory(self)
        // A checkerboard of 2 × 2 blocks at the photo's own resolution.
        let file = try writePhoto(to: directory.appendingPathComponent("checker.jpg"), width: 64, height: 64,
                                  color: (128, 128, 128), detail: { x, y in (x / 2 + y / 2) % 2 == 0 ? 70 : -70 })
        let photo = try Photo(contentsOf: file, side: 64)
        // Texel i covers [i, i + 1): just outside an edge mirrors the texel just inside.
        let inside = photo.sample(x: 0.5, y: 5.5), outside = photo.sample(x: -0.5, y: 5.5)
        XCTAssertEqual(inside.0, outside.0)
        XCTAssertEqual(inside.1, outside.1)
        let farInside = photo.sample(x: 63.5, y: 63.5), farOutside = photo.sample(x: 64.5, y: 64.5)
        XCTAssertEqual(farInside.2, farOutside.2)
        // Four texels per pixel reads the quarter-resolution level, where the checkerboard averages out.
        let sharp = (0..<64).map { photo.sample(x: Double($0) + 0.5, y: 8.5).1 }
        let averaged = (0..<64).map { photo.sample(x: Double($0) + 0.5, y: 8.5, footprint: 4).1 }
        XCTAssertGreaterThan(Self.spread(sharp), 80)
        XCTAssertLessThan(Self.spread(averaged), 30)
    }

    private static func meanColor(_ frame: RGBFrame) -> (Float, Float, Float) {
        var sum = (0, 0, 0)
        for i in stride(from: 0, to: frame.pixels.count, by: 3) {
            sum.0 += Int(frame.pixels[i]); sum.1 += Int(frame.pixels[i + 1]); sum.2 += Int(frame.pixels[i + 2])
        }
        let n = Float(frame.width * frame.height)
        return (Float(sum.0) / n, Float(sum.1) / n, Float(sum.2) / n)
    }

    private static func spread(_ values: [Float]) -> Float {
        (values.max() ?? 0) - (values.min() ?? 0)
    }
}
