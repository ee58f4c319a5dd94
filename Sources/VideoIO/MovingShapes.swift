import Foundation

/// Textured shapes moving at constant velocity in frame coordinates, bouncing off the frame's
/// edges and passing over one another (later shapes occlude earlier ones). Events make a shape
/// appear, vanish or swerve with no cause. Bouncing clips are these over a still background;
/// photo-backed camera clips draw a few of them over the moving view.
struct MovingShapes {
    private enum Outline: CaseIterable { case disc, square, diamond }

    private struct Shape {
        var x: Double, y: Double, vx: Double, vy: Double
        let radius: Double
        let outline: Outline
        let texture: ProceduralTexture
        /// Frames in which the shape is drawn: appear/vanish events cut this range.
        var visible: Range<Int>

        /// 0...1 share of the pixel (px, py) inside the outline, with a one-pixel soft edge so
        /// sub-pixel motion shows as smoothly shifting edges rather than jumps.
        func coverage(_ px: Double, _ py: Double) -> Float {
            let dx = abs(px - x), dy = abs(py - y)
            let distance: Double
            switch outline {
            case .disc: distance = (dx * dx + dy * dy).squareRoot()
            case .square: distance = max(dx, dy)
            case .diamond: distance = (dx + dy) * 0.75
            }
            return Float((radius - distance + 0.5).clamped(to: 0...1))
        }
    }

    private let width: Int, height: Int
    private var shapes: [Shape]
    private let swerves: [SyntheticClip.Event]
    /// Continues the stream the shapes were drawn from: swerve angles come from it.
    private var random: SplitMix64

    /// `count` shapes with radii drawn from `radii` (as fractions of the frame's shorter side),
    /// placed and set moving by `random`; events name their shape by its index.
    init(count: Int, radii: ClosedRange<Double>, width: Int, height: Int, events: [SyntheticClip.Event], random: SplitMix64) {
        var random = random
        let side = Double(min(width, height))
        let scale = side / 64
        var shapes: [Shape] = []
        for _ in 0..<count {
            let radius = random.uniform(radii) * side
            let speed = random.uniform(0.8...2.0) * scale
            let angle = random.uniform(0...(2 * Double.pi))
            shapes.append(Shape(
                x: random.uniform(radius...(Double(width) - radius)), y: random.uniform(radius...(Double(height) - radius)),
                vx: speed * cos(angle), vy: speed * sin(angle), radius: radius,
                outline: Outline.allCases[random.integer(0...2)],
                texture: ProceduralTexture(seed: random.next(), size: 32, contrast: 1.0),
                visible: 0..<Int.max))
        }
        for event in events {
            guard let object = event.object, shapes.indices.contains(object) else { continue }
            switch event.cause {
            case .appear: shapes[object].visible = event.frame..<Int.max
            case .vanish: shapes[object].visible = 0..<event.frame
            case .swerve, .reverse, .cut: break
            }
        }
        self.width = width
        self.height = height
        self.shapes = shapes
        self.swerves = events.filter { $0.cause == .swerve }
        self.random = random
    }

    /// One step of constant-velocity motion into frame `index`; shapes reflect off the edges. A
    /// swerve turns a shape's velocity by 90–180° before the step, so the event frame is the
    /// first that deviates.
    mutating func advance(to index: Int) {
        for event in swerves where event.frame == index {
            guard let object = event.object, shapes.indices.contains(object) else { continue }
            let turn = random.uniform((Double.pi / 2)...Double.pi) * (random.integer(0...1) == 0 ? 1 : -1)
            let (vx, vy) = (shapes[object].vx, shapes[object].vy)
            shapes[object].vx = vx * cos(turn) - vy * sin(turn)
            shapes[object].vy = vx * sin(turn) + vy * cos(turn)
        }
        let limitX = Double(width), limitY = Double(height)
        for i in shapes.indices {
            shapes[i].x += shapes[i].vx
            shapes[i].y += shapes[i].vy
            let r = shapes[i].radius
            if shapes[i].x < r { shapes[i].x = 2 * r - shapes[i].x; shapes[i].vx = abs(shapes[i].vx) }
            if shapes[i].x > limitX - r { shapes[i].x = 2 * (limitX - r) - shapes[i].x; shapes[i].vx = -abs(shapes[i].vx) }
            if shapes[i].y < r { shapes[i].y = 2 * r - shapes[i].y; shapes[i].vy = abs(shapes[i].vy) }
            if shapes[i].y > limitY - r { shapes[i].y = 2 * (limitY - r) - shapes[i].y; shapes[i].vy = -abs(shapes[i].vy) }
        }
    }

    /// Blends the shapes visible in frame `index` over what is drawn.
    func draw(frame index: Int, into pixels: UnsafeMutableBufferPointer<UInt8>) {
        for shape in shapes where shape.visible.contains(index) {
            draw(shape, into: pixels)
        }
    }

    /// Samples the shape's texture in the shape's own coordinates so the pattern travels with it.
    private func draw(_ shape: Shape, into pixels: UnsafeMutableBufferPointer<UInt8>) {
        // A diamond reaches 4/3 of its radius along the axes.
        let reach = shape.radius * 4 / 3 + 1.5
        let x0 = max(0, Int(shape.x - reach)), x1 = min(width - 1, Int(shape.x + reach))
        let y0 = max(0, Int(shape.y - reach)), y1 = min(height - 1, Int(shape.y + reach))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let alpha = shape.coverage(px, py)
                if alpha <= 0 { continue }
                let t = shape.texture.sample(x: px - shape.x + shape.radius, y: py - shape.y + shape.radius)
                let offset = (y * width + x) * 3
                let old = (Float(pixels[offset]), Float(pixels[offset + 1]), Float(pixels[offset + 2]))
                pixels.storeRGB((old.0 + (t.0 - old.0) * alpha, old.1 + (t.1 - old.1) * alpha,
                                 old.2 + (t.2 - old.2) * alpha), at: offset)
            }
        }
    }
}
