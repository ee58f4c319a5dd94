import FileSystem
import Foundation

/// The photographs synthetic clips may film: every JPEG and PNG under a folder, decoded up front
/// so a bad file is reported before any clip is written, and ordered by path so the same seed
/// picks the same photo on every machine that has the same files.
public struct PhotoLibrary: Sendable {
    /// File extensions taken as photos (compared lower-cased).
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    public let photos: [Photo]

    /// Loads every image under `directory` (searched recursively; a single image file also works)
    /// at `side` × `side` texels. Throws when there is no image or one cannot be decoded.
    public init(directory: URL, side: Int) throws {
        let files = try Self.imageFiles(in: directory)
        photos = try files.map { try Photo(contentsOf: $0, side: side) }
    }

    /// The photo a clip with this seed films; the choice depends only on the seed and the files.
    public func photo(forSeed seed: UInt64) -> Photo {
        var random = SplitMix64(seed: seed ^ 0x5048_4F54_4F53_2D31)
        return photos[random.integer(0...(photos.count - 1))]
    }

    /// The photo a camera clip with this seed films as its background: like `photo(forSeed:)`,
    /// but among the textured photos (`Photo.isTextured`) when there are any, since no camera
    /// films a flat wallpaper.
    public func texturedPhoto(forSeed seed: UInt64) -> Photo {
        let textured = photos.filter(\.isTextured)
        guard !textured.isEmpty else { return photo(forSeed: seed) }
        var random = SplitMix64(seed: seed ^ 0x5048_4F54_4F53_2D31)
        return textured[random.integer(0...(textured.count - 1))]
    }

    /// The image files under `directory`, sorted by path.
    static func imageFiles(in directory: URL) throws -> [URL] {
        let path = directory.relativePath
        guard let kind = try FileKind.at(path) else { throw VideoIOError.fileNotFound(path: path) }
        func isImage(_ url: URL) -> Bool { imageExtensions.contains(url.pathExtension.lowercased()) }
        if kind != .directory {
            guard isImage(directory) else { throw VideoIOError.invalidOption("\(path): not a .jpg, .jpeg or .png photo") }
            return [directory]
        }
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw VideoIOError.unreadable(path: path, reason: "cannot list the folder")
        }
        var files: [URL] = []
        for case let url as URL in walker where isImage(url) {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(url) }
        }
        guard !files.isEmpty else {
            throw VideoIOError.invalidOption("\(path): no .jpg, .jpeg or .png photos in this folder")
        }
        return files.sorted { $0.path < $1.path }
    }
}
