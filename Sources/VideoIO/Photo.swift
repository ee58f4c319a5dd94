import Foundation

/// A photograph decoded once into a square texture for synthetic clips to film: the centre crop of
/// the image, area-averaged to `side` × `side` texels, plus half- and quarter-resolution copies so
/// a camera that sees several texels per pixel (zoomed out) averages them instead of aliasing.
/// Sampling mirrors the picture at its edges, so a camera drifting off it sees no seam.
public struct Photo: Sendable {
    /// The image file it came from.
    public let url: URL
    public let side: Int
    /// Packed RGB, row-major; level `l` is `side >> l` texels on a side.
    private let levels: [[UInt8]]
    /// How much the picture holds to film, measured on its coarsest level: the mean absolute
    /// luma step between neighbouring texels, and the share of 8 × 8 blocks whose luma varies
    /// (standard deviation above 6 levels). Flat wallpapers and smooth gradients score near 0.
    public let detail: Float
    public let texturedShare: Float
    /// Whether the picture looks like a photograph with texture to film rather than a flat or
    /// gradient wallpaper: camera clips prefer such photos.
    public var isTextured: Bool { detail >= 3 && texturedShare >= 0.4 }

    /// Decodes `url` (any still image FFmpeg reads: JPEG, PNG, ...) at `side` × `side`.
    public init(contentsOf url: URL, side: Int) throws {
        guard side >= 4 else { throw VideoIOError.invalidOption("photo side must be at least 4, got \(side)") }
        // An image is a one-frame video to FFmpeg; the reader's crop-then-area-average is the resize we want.
        let reader = try VideoReader(url: url, options: ReadOptions(width: side, height: side, maxFrames: 1, threadCount: 1))
        guard let frame = try reader.nextFrame() else {
            throw VideoIOError.noFrames(path: url.relativePath, reason: "the image holds no picture")
        }
        var levels = [frame.pixels]
        while levels.count < 3 && (side >> levels.count) >= 4 {
            levels.append(Self.halved(levels[levels.count - 1], side: side >> (levels.count - 1)))
        }
        self.url = url
        self.side = side
        self.levels = levels
        (detail, texturedShare) = Self.measureDetail(levels[levels.count - 1], side: side >> (levels.count - 1))
    }

    /// Mean luma variation of a texel neighbourhood of radius `radius` around (x, y) at full
    /// resolution: the standard deviation of a 5 × 5 grid of samples, in levels.
    func localContrast(x: Double, y: Double, radius: Double) -> Float {
        var sum: Float = 0, squares: Float = 0
        for j in -2...2 {
            for i in -2...2 {
                let c = sample(x: x + Double(i) * radius / 2, y: y + Double(j) * radius / 2, footprint: max(radius / 4, 1))
                let luma = 0.299 * c.0 + 0.587 * c.1 + 0.114 * c.2
                sum += luma
                squares += luma * luma
            }
        }
        let mean = sum / 25
        return max(squares / 25 - mean * mean, 0).squareRoot()
    }

    /// The colour (0...255 per channel) at a real-valued texel position, where texel (i, j) is
    /// the unit square from (i, j) to (i + 1, j + 1); `footprint` is how many texels one output
    /// pixel spans, which picks (and blends) the resolution levels.
    @inline(__always)
    public func sample(x: Double, y: Double, footprint: Double = 1) -> (Float, Float, Float) {
        let detail = log2(max(footprint, 1)).clamped(to: 0...Double(levels.count - 1))
        let fine = Int(detail), blend = Float(detail - Double(fine))
        let a = sample(level: fine, x: x, y: y)
        guard blend > 0, fine + 1 < levels.count else { return a }
        let b = sample(level: fine + 1, x: x, y: y)
        return (a.0 + (b.0 - a.0) * blend, a.1 + (b.1 - a.1) * blend, a.2 + (b.2 - a.2) * blend)
    }

    /// Mean colour of the whole picture, for checking that clips show it.
    public var meanColor: (Float, Float, Float) {
        var sum = (0.0, 0.0, 0.0)
        let pixels = levels[0]
        for i in stride(from: 0, to: pixels.count, by: 3) {
            sum.0 += Double(pixels[i]); sum.1 += Double(pixels[i + 1]); sum.2 += Double(pixels[i + 2])
        }
        let n = Double(pixels.count / 3)
        return (Float(sum.0 / n), Float(sum.1 / n), Float(sum.2 / n))
    }

    /// Bilinear sample of one level, texel centres at half-integers, mirrored outside the picture.
    @inline(__always)
    private func sample(level: Int, x: Double, y: Double) -> (Float, Float, Float) {
        let n = side >> level, unit = Double(1 << level)
        let sx = x / unit - 0.5, sy = y / unit - 0.5
        let fx = sx.rounded(.down), fy = sy.rounded(.down)
        let wx = Float(sx - fx), wy = Float(sy - fy)
        let x0 = Self.mirror(Int(fx), n), x1 = Self.mirror(Int(fx) + 1, n)
        let y0 = Self.mirror(Int(fy), n), y1 = Self.mirror(Int(fy) + 1, n)
        return levels[level].withUnsafeBufferPointer { t in
            let a = (y0 * n + x0) * 3, b = (y0 * n + x1) * 3
            let c = (y1 * n + x0) * 3, d = (y1 * n + x1) * 3
            func mix(_ k: Int) -> Float {
                let top = Float(t[a + k]) + (Float(t[b + k]) - Float(t[a + k])) * wx
                let bottom = Float(t[c + k]) + (Float(t[d + k]) - Float(t[c + k])) * wx
                return top + (bottom - top) * wy
            }
            return (mix(0), mix(1), mix(2))
        }
    }

    /// Index `i` reflected into 0..<n: ... 1 0 | 0 1 ... n-1 | n-1 n-2 ...
    @inline(__always)
    private static func mirror(_ i: Int, _ n: Int) -> Int {
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - 1 - m
    }

    private static func measureDetail(_ pixels: [UInt8], side n: Int) -> (Float, Float) {
        func luma(_ x: Int, _ y: Int) -> Float {
            let o = (y * n + x) * 3
            return 0.299 * Float(pixels[o]) + 0.587 * Float(pixels[o + 1]) + 0.114 * Float(pixels[o + 2])
        }
        var steps: Float = 0
        for y in 0..<(n - 1) {
            for x in 0..<(n - 1) { steps += abs(luma(x, y) - luma(x + 1, y)) + abs(luma(x, y) - luma(x, y + 1)) }
        }
        var blocks = 0, textured = 0
        for by in stride(from: 0, to: n - 7, by: 8) {
            for bx in stride(from: 0, to: n - 7, by: 8) {
                var sum: Float = 0, squares: Float = 0
                for y in by..<(by + 8) { for x in bx..<(bx + 8) { let v = luma(x, y); sum += v; squares += v * v } }
                let mean = sum / 64
                blocks += 1
                if squares / 64 - mean * mean > 36 { textured += 1 }
            }
        }
        return (steps / Float(max(2 * (n - 1) * (n - 1), 1)), Float(textured) / Float(max(blocks, 1)))
    }

    /// The level below: each texel the rounded mean of a 2 × 2 block.
    private static func halved(_ pixels: [UInt8], side: Int) -> [UInt8] {
        let half = side / 2
        var out = [UInt8](repeating: 0, count: half * half * 3)
        for y in 0..<half {
            for x in 0..<half {
                for c in 0..<3 {
                    let top = (2 * y * side + 2 * x) * 3 + c, bottom = top + side * 3
                    let total = Int(pixels[top]) + Int(pixels[top + 3]) + Int(pixels[bottom]) + Int(pixels[bottom + 3])
                    out[(y * half + x) * 3 + c] = UInt8((total + 2) / 4)
                }
            }
        }
        return out
    }
}
