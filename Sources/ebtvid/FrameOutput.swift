import FileSystem
import Foundation
import VideoIO

/// Where `ebtvid frames` puts its bytes: stdout (`-`), a NumPy file (`.npy`), a device or pipe
/// that already exists (written directly), or a regular file written atomically.
enum FrameOutput {
    case standardOutput
    case numpy(NpyWriter)
    case device(descriptor: Int32, path: String)
    case file(AtomicFile)

    /// Opens the destination; nothing appears at `path` until `finish()` for files. A file is
    /// refused at once when `expectedFrames` of the size would not fit where it goes.
    init(path: String, width: Int, height: Int, expectedFrames: Int? = nil) throws {
        if path == "-" {
            self = .standardOutput
            return
        }
        let url = URL(fileURLWithPath: path)
        let kind = try FileKind.at(path, action: .write)
        if let frames = expectedFrames, kind != .characterDevice && kind != .fifo {
            let (bytes, overflow) = frames.multipliedReportingOverflow(by: width * height * 3)
            try FreeSpace.check(overflow ? .max : bytes, for: url, what: "\(frames) frames of \(width)x\(height)",
                                hint: "--max-frames takes fewer")
        }
        if url.pathExtension.lowercased() == "npy" {
            self = .numpy(try NpyWriter(url: url, elementType: .uint8, rowShape: [height, width, 3]))
            return
        }
        if kind == .characterDevice || kind == .fifo {
            let descriptor = open(path, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw FileSystemError(path: path, action: .write, errno: errno) }
            self = .device(descriptor: descriptor, path: path)
            return
        }
        self = .file(try AtomicFile(url: url))
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        switch self {
        case .standardOutput: try Self.writeAll(bytes, to: STDOUT_FILENO, name: "stdout")
        case .numpy(let writer): try writer.append(bytes)
        case .device(let descriptor, let path): try Self.writeAll(bytes, to: descriptor, name: path)
        case .file(let file): try file.write(bytes)
        }
    }

    func finish() throws {
        switch self {
        case .standardOutput: break
        case .device(let descriptor, let path): if close(descriptor) != 0 { throw FileSystemError(path: path, action: .write, errno: errno) }
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
                throw FileSystemError(path: name, action: .write, errno: errno)
            }
            done += written
        }
    }
}
