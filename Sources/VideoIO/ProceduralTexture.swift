import Foundation

/// A seamless, seeded colour texture. Detail lives in brightness (oriented gratings plus lattice
/// value noise, added equally to R, G and B) while colour drifts slowly across the tile (a
/// low-frequency blend of three palette colours). Objects and backgrounds of synthetic clips wear
/// these so motion is visible inside a region, not only at its edges; keeping fine detail out of
/// the colour channels is what natural video looks like and what 4:2:0 chroma subsampling
/// preserves, so an H.264 round trip stays above 35 dB.
public struct ProceduralTexture: Sendable {
    public let size: Int
    /// Packed RGB as Float in 0...255, row-major, `size * size * 3` values.
    private let texels: [Float]

    /// `contrast` scales the brightness detail (1 = about ±50 levels).
    public init(seed: UInt64, size: Int = 128, contrast: Double = 1) {
        var random = SplitMix64(seed: seed)
        let palette = (0..<3).map { _ in (0..<3).map { _ in Float(random.uniform(70...185)) } }
        // Gratings with whole cycles per tile keep the texture seamless when it wraps; larger
        // tiles get proportionally more cycles so detail per pixel is the same at every size.
        let cycles = Double(max(1, size / 64))
        let gratings = (0..<3).map { _ in
            (fx: cycles * Double(random.integer(-4...4)), fy: cycles * Double(random.integer(1...5)),
             phase: random.uniform(0...6.283), weight: random.uniform(0.3...1))
        }
        let lattice = max(8, size / 12)
        let detailNoise = (0..<(lattice * lattice)).map { _ in random.uniform(-1...1) }
        let noiseWeight = random.uniform(0.3...1)
        let colourLattice = 3
        let colourNoise = (0..<(colourLattice * colourLattice)).map { _ in random.uniform(-1...1) }

        var texels = [Float](repeating: 0, count: size * size * 3)
        texels.withUnsafeMutableBufferPointer { out in
            for y in 0..<size {
                for x in 0..<size {
                    let u = Double(x) / Double(size), v = Double(y) / Double(size)
                    var detail = 0.0
                    for grating in gratings {
                        detail += grating.weight * sin(2 * Double.pi * (grating.fx * u + grating.fy * v) + grating.phase)
                    }
                    detail += noiseWeight * 2 * Self.valueNoise(detailNoise, lattice: lattice, u: u, v: v)
                    let brightness = Float(50 * contrast * (detail / 3.5).clamped(to: -1...1))
                    // Slow colour drift: blend neighbouring palette colours by a coarse noise field.
                    let t = Float(0.5 + 0.5 * Self.valueNoise(colourNoise, lattice: colourLattice, u: u, v: v))
                    let low = t < 0.5 ? palette[0] : palette[1], high = t < 0.5 ? palette[1] : palette[2]
                    let w = t < 0.5 ? t * 2 : (t - 0.5) * 2
                    let base = (y * size + x) * 3
                    for c in 0..<3 { out[base + c] = low[c] + (high[c] - low[c]) * w + brightness }
                }
            }
        }
        self.size = size
        self.texels = texels
    }

    /// Bilinear sample at a real-valued texel position; the texture repeats in both directions.
    @inline(__always)
    public func sample(x: Double, y: Double) -> (Float, Float, Float) {
        let fx = x.rounded(.down), fy = y.rounded(.down)
        let wx = Float(x - fx), wy = Float(y - fy)
        let x0 = Self.wrap(Int(fx), size), y0 = Self.wrap(Int(fy), size)
        let x1 = x0 + 1 == size ? 0 : x0 + 1, y1 = y0 + 1 == size ? 0 : y0 + 1
        return texels.withUnsafeBufferPointer { t in
            let a = (y0 * size + x0) * 3, b = (y0 * size + x1) * 3
            let c = (y1 * size + x0) * 3, d = (y1 * size + x1) * 3
            func mix(_ k: Int) -> Float {
                let top = t[a + k] + (t[b + k] - t[a + k]) * wx
                let bottom = t[c + k] + (t[d + k] - t[c + k]) * wx
                return top + (bottom - top) * wy
            }
            return (mix(0), mix(1), mix(2))
        }
    }

    @inline(__always)
    private static func wrap(_ value: Int, _ size: Int) -> Int {
        let r = value % size
        return r < 0 ? r + size : r
    }

    /// Smoothly interpolated random values on a periodic lattice, in -1...1.
    private static func valueNoise(_ values: [Double], lattice: Int, u: Double, v: Double) -> Double {
        let gx = u * Double(lattice), gy = v * Double(lattice)
        let ix = Int(gx), iy = Int(gy)
        let sx = smooth(gx - Double(ix)), sy = smooth(gy - Double(iy))
        func at(_ x: Int, _ y: Int) -> Double { values[(y % lattice) * lattice + (x % lattice)] }
        let top = at(ix, iy) + (at(ix + 1, iy) - at(ix, iy)) * sx
        let bottom = at(ix, iy + 1) + (at(ix + 1, iy + 1) - at(ix, iy + 1)) * sx
        return top + (bottom - top) * sy
    }

    private static func smooth(_ t: Double) -> Double { t * t * (3 - 2 * t) }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
