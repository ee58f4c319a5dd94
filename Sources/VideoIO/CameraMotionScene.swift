import Foundation

/// A camera moving over a large backdrop — a procedural texture, or a photograph with a few
/// shapes moving over the view — in a constant-velocity pan, or a constant-rate zoom about a
/// fixed point. A surprise turns the pan (swerve) or flips the zoom (reverse).
struct CameraMotionScene: SyntheticScene {
    private let width: Int, height: Int
    private let world: Backdrop
    private let zooms: Bool
    private let events: [SyntheticClip.Event]
    private var random: SplitMix64
    /// Shapes moving in the frame over a photo, so photo clips have motion of their own.
    private var objects: MovingShapes?
    private var lastFrame = -1
    /// Pan: top-left of the view in texels and its velocity per frame.
    private var x: Double, y: Double, vx: Double, vy: Double
    /// Zoom: texels per pixel, and the factor applied to it every frame.
    private var scale: Double, rate: Double

    init(seed: UInt64, width: Int, height: Int, zooms: Bool, events: [SyntheticClip.Event], photo: Photo? = nil,
         frameCount: Int = 0) {
        // Speeds and framing follow the longer side; a square frame's side is both.
        let size = max(width, height)
        var random = SplitMix64(seed: seed)
        let textureSeed = random.next()
        let speed = random.uniform(0.7...2.0) * Double(size) / 64
        let angle = random.uniform(0...(2 * Double.pi))
        x = random.uniform(0...256)
        y = random.uniform(0...256)
        vx = speed * cos(angle)
        vy = speed * sin(angle)
        let zoomIn = random.integer(0...1) == 0
        let step = random.uniform(0.008...0.02)
        // Zooming in shrinks the texels per pixel; start wide when zooming in, close when zooming out.
        rate = exp(zoomIn ? -step : step)
        scale = (zoomIn ? 1.5 : 0.6) * 64 / Double(size)
        if let photo {
            // The procedural world is 256 texels across; a photo keeps the same framing at its own resolution.
            let side = Double(photo.side)
            scale *= side / 256
            if zooms {
                // Zoom about a point in the middle of the photo, so the view stays on it.
                x = side * (0.3 + 0.4 * x / 256)
                y = side * (0.3 + 0.4 * y / 256)
            } else {
                // Centre the uneventful path on the photo, with a little jitter from the start drawn above.
                let travel = Double(max(frameCount - 1, 0)) / 2
                x = (side - Double(width)) / 2 - vx * travel + (x / 256 - 0.5) * Double(width) / 2
                y = (side - Double(height)) / 2 - vy * travel + (y / 256 - 0.5) * Double(height) / 2
            }
            var objectRandom = SplitMix64(seed: seed ^ 0x4F42_4A45_4354_5331)
            objects = MovingShapes(count: objectRandom.integer(1...2), radii: 0.06...0.12, width: width, height: height,
                                   events: [], random: objectRandom)
            world = .photo(photo)
        } else {
            world = .procedural(ProceduralTexture(seed: textureSeed, size: 256, contrast: 1.2))
        }
        self.width = width
        self.height = height
        self.zooms = zooms
        self.events = events
        self.random = random
    }

    mutating func render(frame index: Int, into pixels: UnsafeMutableBufferPointer<UInt8>) {
        precondition(index == lastFrame + 1, "CameraMotionScene renders frames in order")
        lastFrame = index
        if index > 0 { advance(to: index) }
        let halfWidth = Double(width) / 2, halfHeight = Double(height) / 2
        for row in 0..<height {
            for column in 0..<width {
                let u = Double(column) + 0.5, v = Double(row) + 0.5
                let color = zooms
                    ? world.sample(x: x + (u - halfWidth) * scale, y: y + (v - halfHeight) * scale, footprint: scale)
                    : world.sample(x: x + u, y: y + v)
                pixels.storeRGB(color, at: (row * width + column) * 3)
            }
        }
        objects?.draw(frame: index, into: pixels)
    }

    private mutating func advance(to index: Int) {
        for event in events where event.frame == index {
            switch event.cause {
            case .swerve:
                let turn = random.uniform((Double.pi / 2)...Double.pi) * (random.integer(0...1) == 0 ? 1 : -1)
                (vx, vy) = (vx * cos(turn) - vy * sin(turn), vx * sin(turn) + vy * cos(turn))
            case .reverse:
                rate = 1 / rate
            case .appear, .vanish, .cut:
                break
            }
        }
        objects?.advance(to: index)
        if zooms {
            scale *= rate
        } else {
            x += vx
            y += vy
        }
    }
}
