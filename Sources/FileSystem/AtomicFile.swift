import Foundation

/// A file that appears at its destination only when complete: bytes go to a hidden temporary file
/// in the same directory (so the final rename stays on one file system and is atomic), `commit()`
/// renames it into place, and anything not committed is deleted. A failed or interrupted run never
/// leaves a half-written output, nor destroys an older file of the same name.
public final class AtomicFile {
    /// Where the file ends up.
    public let url: URL
    /// Where the bytes are written until `commit()` (`PartialFiles` names it).
    public let temporaryURL: URL
    private var descriptor: Int32
    private var committed = false

    /// Creates the temporary file; throws `FileSystemError` when the directory is missing or not
    /// writable, or the destination is not a regular file (`FileKind.checkReplaceable`).
    public init(url: URL) throws {
        let path = url.relativePath
        try FileKind.checkReplaceable(path)
        let directory = url.deletingLastPathComponent()
        PartialFiles.removeStale(in: directory)
        let temporary = PartialFiles.temporaryURL(for: url)
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 { throw FileSystemError(path: path, action: .write, errno: errno) }
        PartialFiles.register(temporary)
        self.url = url
        self.temporaryURL = temporary
        self.descriptor = descriptor
    }

    deinit { discard() }

    /// Writes `data` to `url` as one atomic file.
    public static func write(_ data: Data, to url: URL) throws {
        let file = try AtomicFile(url: url)
        try data.withUnsafeBytes { try file.write($0) }
        try file.commit()
    }

    /// Appends bytes at the current end.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try write(bytes) { base, count, _ in Foundation.write(descriptor, base, count) }
    }

    /// Overwrites bytes at `offset` (used to patch a header once the data length is known).
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        try write(bytes) { base, count, done in pwrite(descriptor, base, count, off_t(offset + done)) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer,
                       using call: (UnsafeRawPointer, Int, Int) -> Int) throws {
        guard descriptor >= 0 else { throw FileSystemError(path: url.relativePath, action: .write, cause: "file already closed") }
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let written = call(base + done, bytes.count - done, done)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: url.relativePath, action: .write, errno: errno)
            }
            done += written
        }
    }

    /// Closes the temporary file and renames it over the destination.
    public func commit() throws {
        guard !committed else { return }
        if descriptor >= 0 {
            let closed = close(descriptor)
            descriptor = -1
            if closed != 0 { throw FileSystemError(path: url.relativePath, action: .write, errno: errno) }
        }
        if rename(temporaryURL.path, url.path) != 0 {
            throw FileSystemError(path: url.relativePath, action: .write, errno: errno)
        }
        committed = true
        PartialFiles.forget(temporaryURL)
    }

    /// Deletes the temporary file; the destination is left as it was.
    public func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        if !committed {
            unlink(temporaryURL.path)
            PartialFiles.forget(temporaryURL)
        }
    }
}
