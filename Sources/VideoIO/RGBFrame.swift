/// One decoded picture as packed 8-bit RGB, row-major: the pixel at (x, y) starts at
/// `(y * width + x) * 3`. This is the layout of `ffmpeg -f rawvideo -pix_fmt rgb24`.
public struct RGBFrame: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
    /// Index of the decoded frame this picture came from, counted from the first frame of the stream.
    public var sourceIndex: Int
    /// Presentation time in seconds from the start of the stream.
    public var time: Double

    public init(width: Int, height: Int, pixels: [UInt8], sourceIndex: Int = 0, time: Double = 0) {
        precondition(pixels.count == width * height * 3, "RGBFrame: pixel count does not match \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.sourceIndex = sourceIndex
        self.time = time
    }

    /// A black frame, useful as a reusable buffer for `VideoReader.nextFrame(into:)`.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// Bytes in one frame.
    public var byteCount: Int { width * height * 3 }
}
