/// Turning a decoded picture upright as a player would: a phone stores its clips as the sensor
/// saw them and a display matrix saying how far to turn them, so without this a portrait clip
/// is read lying on its side.
public enum FrameRotation {
    /// The quarter turn a clip's `VideoMetadata.rotation` asks for (0, 90, 180 or 270 degrees
    /// clockwise); other angles are left alone, as FFmpeg leaves them.
    public static func quarterTurn(_ degrees: Int) -> Int {
        let normalized = ((degrees % 360) + 360) % 360
        return normalized % 90 == 0 ? normalized : 0
    }

    /// Whether a turn by `degrees` swaps width and height.
    public static func swapsSides(_ degrees: Int) -> Bool { quarterTurn(degrees) % 180 == 90 }

    /// Writes the RGB24 picture `source` of `width`x`height`, turned `degrees` clockwise, into
    /// `frame`, which takes the turned size (reusing its storage when that size is unchanged).
    public static func rotate(_ source: UnsafeBufferPointer<UInt8>, width: Int, height: Int, clockwise degrees: Int, into frame: inout RGBFrame) {
        precondition(source.count == width * height * 3, "FrameRotation: \(source.count) bytes is not \(width)x\(height)x3")
        let turn = quarterTurn(degrees)
        let (outWidth, outHeight) = turn % 180 == 90 ? (height, width) : (width, height)
        if frame.width != outWidth || frame.height != outHeight || frame.pixels.count != outWidth * outHeight * 3 {
            frame = RGBFrame(width: outWidth, height: outHeight)
        }
        frame.pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<outHeight {
                for x in 0..<outWidth {
                    // The source pixel that lands on (x, y) of the turned picture.
                    let (sx, sy): (Int, Int)
                    switch turn {
                    case 90: (sx, sy) = (y, height - 1 - x)
                    case 180: (sx, sy) = (width - 1 - x, height - 1 - y)
                    case 270: (sx, sy) = (width - 1 - y, x)
                    default: (sx, sy) = (x, y)
                    }
                    let from = (sy * width + sx) * 3, to = (y * outWidth + x) * 3
                    out[to] = source[from]
                    out[to + 1] = source[from + 1]
                    out[to + 2] = source[from + 2]
                }
            }
        }
    }
}
