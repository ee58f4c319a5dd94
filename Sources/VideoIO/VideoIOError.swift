import Foundation

/// Everything that can go wrong reading or writing video, named so a caller can react to the cause
/// and a user can read the message: each description is one line naming the file and the reason.
public enum VideoIOError: Error, Equatable, Sendable {
    /// Nothing exists at the path.
    case fileNotFound(path: String)
    /// The path names a directory, not a clip.
    case isDirectory(path: String)
    /// The file has zero bytes.
    case emptyFile(path: String)
    /// FFmpeg could not recognise or parse the container.
    case unreadable(path: String, reason: String)
    /// The container holds no video stream (for example an audio-only file).
    case noVideoStream(path: String)
    /// The video codec has no decoder in this FFmpeg build.
    case noDecoder(path: String, codec: String)
    /// The video stream holds no decodable frame.
    case noFrames(path: String, reason: String)
    /// The frame size is beyond the limit we accept, so a bogus header cannot make us allocate gigabytes.
    case frameTooLarge(path: String, width: Int, height: Int, limit: Int)
    /// An option value makes no sense (size 0, negative stride, ...).
    case invalidOption(String)
    /// The output cannot be created or written.
    case cannotWrite(path: String, reason: String)
    /// No encoder for the requested codec (nor its fallback) exists in this FFmpeg build.
    case noEncoder(codec: String)
    /// FFmpeg failed while encoding or muxing.
    case encodingFailed(path: String, reason: String)
}

extension VideoIOError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): no such file"
        case .isDirectory(let path): return "\(path): is a directory, not a video file"
        case .emptyFile(let path): return "\(path): file is empty"
        case .unreadable(let path, let reason): return "\(path): cannot read as video (\(reason))"
        case .noVideoStream(let path): return "\(path): contains no video stream"
        case .noDecoder(let path, let codec): return "\(path): no decoder for codec \(codec)"
        case .noFrames(let path, let reason): return "\(path): no video frames (\(reason))"
        case .frameTooLarge(let path, let width, let height, let limit):
            return "\(path): frame size \(width)x\(height) exceeds the limit of \(limit) pixels per side"
        case .invalidOption(let message): return message
        case .cannotWrite(let path, let reason): return "\(path): cannot write (\(reason))"
        case .noEncoder(let codec): return "no encoder for \(codec) in this FFmpeg build"
        case .encodingFailed(let path, let reason): return "\(path): encoding failed (\(reason))"
        }
    }

    public var errorDescription: String? { description }
}
