/// An RGB24 picture to compose output video frames on: small model frames are enlarged with
/// nearest-neighbour scaling (so patches stay crisp) and laid side by side.
public struct Canvas {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, gray: UInt8 = 0) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: gray, count: width * height * 3)
    }

    /// Draws an RGB24 image of `sourceWidth`×`sourceHeight` with its top-left corner at (x, y),
    /// each pixel repeated `scale`×`scale` times; parts outside the canvas are clipped.
    public mutating func draw(_ source: [UInt8], width sourceWidth: Int, height sourceHeight: Int, x: Int, y: Int, scale: Int = 1) {
        precondition(source.count == sourceWidth * sourceHeight * 3)
        let canvasWidth = width, canvasHeight = height
        pixels.withUnsafeMutableBufferPointer { out in
            source.withUnsafeBufferPointer { src in
                for row in 0..<(sourceHeight * scale) {
                    let ty = y + row
                    guard ty >= 0 && ty < canvasHeight else { continue }
                    let sy = row / scale
                    for column in 0..<(sourceWidth * scale) {
                        let tx = x + column
                        guard tx >= 0 && tx < canvasWidth else { continue }
                        let s = (sy * sourceWidth + column / scale) * 3, t = (ty * canvasWidth + tx) * 3
                        out[t] = src[s]; out[t + 1] = src[s + 1]; out[t + 2] = src[s + 2]
                    }
                }
            }
        }
    }

    /// The per-pixel absolute difference of two RGB24 images, amplified so small errors show.
    public static func difference(_ a: [UInt8], _ b: [UInt8], gain: Int = 4) -> [UInt8] {
        precondition(a.count == b.count)
        return zip(a, b).map { UInt8(min(255, abs(Int($0) - Int($1)) * gain)) }
    }
}
