import Foundation

/// A file-system operation that failed, told as one line naming the path the user gave and the
/// cause the system gave, e.g. `out/model.safetensors: cannot write (Permission denied)`.
/// Foundation's own errors print as dumps such as `Error Domain=NSCocoaErrorDomain Code=512
/// "(null)"`, often naming another path (a temporary file) or none, so every place that touches
/// files reports through this one type and `init?(_:path:action:)` translates Foundation's.
public struct FileSystemError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What was being done to the path, as the message says it.
    public enum Action: String, Sendable {
        case read
        case write
        case createFolder = "create the folder"
    }

    public var path: String
    public var action: Action
    /// The system's explanation ("Permission denied") or ours ("is a directory").
    public var cause: String

    public init(path: String, action: Action, cause: String) {
        self.path = path
        self.action = action
        self.cause = cause
    }

    /// The failure `errno` code `code` describes.
    public init(path: String, action: Action, errno code: Int32) {
        self.init(path: path, action: action, cause: String(cString: strerror(code)))
    }

    public var description: String { "\(path): cannot \(action.rawValue) (\(cause))" }
    public var errorDescription: String? { description }

    /// Foundation's error for a file operation, told as ours; nil when `error` is not one.
    /// `path` and `action` name what the caller was doing; without them they are read from the
    /// error (its file path, and whether its code is a read or a write code).
    public init?(_ error: Error, path: String? = nil, action: Action? = nil) {
        if let error = error as? FileSystemError {
            self = error
            return
        }
        let ns = error as NSError
        let code: Int32?
        if ns.domain == NSPOSIXErrorDomain {
            code = Int32(truncatingIfNeeded: ns.code)
        } else if ns.domain == NSCocoaErrorDomain {
            // Stored as a Swift error on Linux, which `as? NSError` does not bridge from Any.
            if let underlying = (ns.userInfo[NSUnderlyingErrorKey] as? Error).map({ $0 as NSError }), underlying.domain == NSPOSIXErrorDomain {
                code = Int32(truncatingIfNeeded: underlying.code)
            } else {
                code = Self.errno(forCocoaCode: ns.code)
            }
        } else {
            return nil
        }
        guard let named = path ?? ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path else {
            return nil
        }
        let inferred: Action = ns.domain == NSCocoaErrorDomain && (512..<1024).contains(ns.code) ? .write : .read
        if let code {
            self.init(path: named, action: action ?? inferred, errno: code)
        } else {
            self.init(path: named, action: action ?? inferred, cause: "error \(ns.code)")
        }
    }

    /// Runs `body`, which works on `path`, so that Foundation's errors come out as ours naming it.
    public static func naming<T>(_ path: String, _ action: Action, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw FileSystemError(error, path: path, action: action) ?? error
        }
    }

    /// The POSIX code behind the Cocoa file codes that come without an underlying error.
    private static func errno(forCocoaCode code: Int) -> Int32? {
        switch CocoaError.Code(rawValue: code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
        case .fileReadNoPermission, .fileWriteNoPermission: return EACCES
        case .fileWriteOutOfSpace: return ENOSPC
        case .fileWriteVolumeReadOnly: return EROFS
        case .fileWriteFileExists: return EEXIST
        case .fileReadTooLarge: return EFBIG
        default: return nil
        }
    }
}
