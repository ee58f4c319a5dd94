import Foundation

/// Textured shapes bouncing around the frame over a still background: a procedural texture, or
/// a window onto a photograph. Surprise events make a shape appear, vanish or swerve with no cause.
struct BouncingShapesScene: SyntheticScene {
    private let width: Int, height: Int
    private let background: Backdrop
    /// Where frame pixel (x, y) samples the background: (origin + x · step, origin + y · step).
    private let origin: (x: Double, y: Double)
    private let step: Double
    private var shapes: MovingShapes
    private var lastFrame = -1

    init(seed: UInt64, width: Int, height: Int, events: [SyntheticClip.Event], photo: Photo? = nil) {
        var random = SplitMix64(seed: seed)
        let count = random.integer(2...4)
        let backgroundSeed = random.next()
        if let photo {
            // A window half the photo's side (across the frame's longer side), at a place the seed
            // picks; pixel centres sample it.
            step = Double(photo.side) / 2 / Double(max(width, height))
            let room = Double(photo.side) / 2
            origin = (Double(backgroundSeed >> 40) / Double(1 << 24) * room + step / 2,
                      Double(backgroundSeed & 0xFF_FFFF) / Double(1 << 24) * room + step / 2)
            background = .photo(photo)
        } else {
            step = 1
            origin = (0, 0)
            background = .procedural(ProceduralTexture(seed: backgroundSeed, size: 128, contrast: 0.5))
        }
        shapes = MovingShapes(count: count, radii: 0.09...0.17, width: width, height: height, events: events, random: random)
        self.width = width
        self.height = height
    }

    mutating func render(frame index: Int, into pixels: UnsafeMutableBufferPointer<UInt8>) {
        precondition(index == lastFrame + 1, "BouncingShapesScene renders frames in order")
        lastFrame = index
        if index > 0 { shapes.advance(to: index) }
        // The background is dimmed so the shapes stand out from it.
        for y in 0..<height {
            for x in 0..<width {
                let c = background.sample(x: origin.x + Double(x) * step, y: origin.y + Double(y) * step, footprint: step)
                pixels.storeRGB((c.0 * 0.6, c.1 * 0.6, c.2 * 0.6), at: (y * width + x) * 3)
            }
        }
        shapes.draw(frame: index, into: pixels)
    }
}
