/// What a clip says about itself before any frame is decoded; `ebtvid info` prints exactly this.
public struct VideoMetadata: Codable, Equatable, Sendable {
    /// The path the clip was opened from, as given (relative paths stay relative).
    public var path: String
    /// The demuxer that recognised the file, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm".
    public var container: String
    /// The video codec's short name, e.g. "h264", "hevc", "vp9".
    public var codec: String
    /// Coded frame size in pixels, before any rotation a player would apply.
    public var width: Int
    public var height: Int
    /// The decoded pixel format, e.g. "yuv420p".
    public var pixelFormat: String
    /// Frames per second (average rate when the container knows it, otherwise the base rate).
    public var fps: Double
    /// Seconds, when the container states a duration.
    public var duration: Double?
    /// Frames in the stream, when the container counts them (mp4/mov do, mkv/webm usually do not).
    public var frameCount: Int?
    /// Degrees clockwise a player rotates the picture to show it upright (0, 90, 180 or 270 for
    /// phone clips), read from the display-matrix side data; `VideoReader` turns frames by it unless
    /// `ReadOptions.keepOrientation`.
    public var rotation: Int

    public init(path: String, container: String, codec: String, width: Int, height: Int,
                pixelFormat: String, fps: Double, duration: Double?, frameCount: Int?, rotation: Int) {
        self.path = path
        self.container = container
        self.codec = codec
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.fps = fps
        self.duration = duration
        self.frameCount = frameCount
        self.rotation = rotation
    }
}
