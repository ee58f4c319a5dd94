import FileSystem
import Foundation
import VideoIO

/// Where `ebtvid frames` puts its bytes: stdout (`-`), a NumPy file (`.npy`), a device or pipe
/// that already exists (written directly), or a regular file written atomically.
enum FrameOutput {
    case standardOutput
    case numpy(NpyWriter)
    case device(FileHandle)
    case file(AtomicFile)

    /// Opens the destination; nothing appears at `path` until `finish()` for files.
    init(path: String, width: Int, height: Int) throws {
        if path == "-" {
            self = .standardOutput
            return
        }
        let url = URL(fileURLWithPath: path)
        if url.pathExtension.lowercased() == "npy" {
            self = .numpy(try NpyWriter(url: url, elementType: .uint8, rowShape: [height, width, 3]))
            return
        }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFCHR || status.st_mode & S_IFMT == S_IFIFO {
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw VideoIOError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            self = .device(handle)
            return
        }
        self = .file(try AtomicFile(url: url))
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        switch self {
        case .standardOutput: try Self.writeAll(bytes, to: STDOUT_FILENO, name: "stdout")
        case .numpy(let writer): try writer.append(bytes)
        case .device(let handle): try Self.writeAll(bytes, to: handle.fileDescriptor, name: "output")
        case .file(let file): try file.write(bytes)
        }
    }

    func finish() throws {
        switch self {
        case .standardOutput, .device: break
        case .numpy(let writer): try writer.finish()
        case .file(let file): try file.commit()
        }
    }

    /// A plain write loop: no `Data` per frame, and partial writes to pipes are resumed.
    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, name: String) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let written = Foundation.write(descriptor, base + done, bytes.count - done)
            if written < 0 {
                if errno == EINTR { continue }
                throw VideoIOError.cannotWrite(path: name, reason: String(cString: strerror(errno)))
            }
            done += written
        }
    }
}
