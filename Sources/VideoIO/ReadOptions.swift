/// Which frames `VideoReader` delivers and at what size. Defaults deliver every frame at its native size.
public struct ReadOptions: Equatable, Sendable {
    /// Output size; `nil` keeps the decoded size. Both or neither must be given.
    public var width: Int?
    public var height: Int?
    /// Deliver every `stride`-th frame (1 = all).
    public var stride: Int
    /// Resample to this rate by timestamps (dropping or repeating frames); `nil` keeps the source rate.
    public var targetFPS: Double?
    /// Index of the first decoded frame to consider.
    public var start: Int
    /// Stop after delivering this many frames; `nil` = until the end.
    public var maxFrames: Int?
    /// How the source aspect is fitted to the output aspect.
    public var resize: ResizePolicy
    /// Largest width or height we accept from a file; guards memory against bogus headers.
    public var maxDimension: Int
    /// Decoder threads; 0 lets FFmpeg use every core.
    public var threadCount: Int
    /// Deliver frames as stored, ignoring the clip's display matrix. By default a rotated clip
    /// (a phone held upright) is turned as a player shows it, as FFmpeg does (`FrameRotation`),
    /// and the output size is that of the turned picture.
    public var keepOrientation: Bool

    public init(width: Int? = nil, height: Int? = nil, stride: Int = 1, targetFPS: Double? = nil,
                start: Int = 0, maxFrames: Int? = nil, resize: ResizePolicy = .centerCrop,
                maxDimension: Int = 8192, threadCount: Int = 0, keepOrientation: Bool = false) {
        self.width = width
        self.height = height
        self.stride = stride
        self.targetFPS = targetFPS
        self.start = start
        self.maxFrames = maxFrames
        self.resize = resize
        self.maxDimension = maxDimension
        self.threadCount = threadCount
        self.keepOrientation = keepOrientation
    }

    /// The highest target rate at all, and the most a clip's own rate may be multiplied by:
    /// beyond them resampling only repeats frames, and 1e6 fps turned a 4-second clip into 48.9 GB.
    public static let maxTargetFPS = 1000.0
    public static let maxUpsampling = 8.0

    /// Rejects values that have no meaning, before any file is touched.
    public func validate() throws {
        if (width == nil) != (height == nil) {
            throw VideoIOError.invalidOption("output width and height must be given together")
        }
        if let width, let height, width < 1 || height < 1 || width > maxDimension || height > maxDimension {
            throw VideoIOError.invalidOption("output size \(width)x\(height) must be between 1 and \(maxDimension) per side")
        }
        if stride < 1 { throw VideoIOError.invalidOption("stride must be at least 1, got \(stride)") }
        if let fps = targetFPS, !(fps > 0 && fps <= Self.maxTargetFPS) {
            throw VideoIOError.invalidOption("target fps must be a positive number up to \(Int(Self.maxTargetFPS)), got \(fps)")
        }
        if targetFPS != nil && stride != 1 {
            throw VideoIOError.invalidOption("choose either a frame stride or a target fps, not both")
        }
        if start < 0 { throw VideoIOError.invalidOption("start frame must be 0 or more, got \(start)") }
        if let maxFrames, maxFrames < 1 { throw VideoIOError.invalidOption("max frames must be at least 1, got \(maxFrames)") }
        if threadCount < 0 { throw VideoIOError.invalidOption("thread count must be 0 or more, got \(threadCount)") }
    }
}
