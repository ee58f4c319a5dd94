/// A per-patch map drawn over a picture as heat: each patch's level in 0...1 picks a colour on
/// `HeatColormap` and an opacity (`HeatColormap.opacity`) that grows with it, so where the level
/// is low the picture shows through and only what stands out is coloured.
enum HeatBlend {
    /// Blends `levels` (rows × columns, row-major) over the canvas rectangle at (x, y) of
    /// `width` × `height` pixels, each patch covering its share of the rectangle.
    static func draw(_ levels: [Float], rows: Int, columns: Int, on canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int) {
        precondition(levels.count == rows * columns)
        // Each patch's colour and opacity once; a large picture has thousands of pixels per patch.
        let paints = levels.map { level -> (r: Float, g: Float, b: Float, alpha: Float) in
            let v = level.clampedToUnitInterval, (r, g, b) = HeatColormap.color(v), alpha = HeatColormap.opacity(v)
            return (Float(r) * alpha, Float(g) * alpha, Float(b) * alpha, alpha)
        }
        let patchColumns = (0..<width).map { $0 * columns / width }
        let canvasWidth = canvas.width, canvasHeight = canvas.height
        canvas.pixels.withUnsafeMutableBufferPointer { pixels in
            for row in 0..<height where y + row >= 0 && y + row < canvasHeight {
                let patchRow = row * rows / height
                for column in 0..<width where x + column >= 0 && x + column < canvasWidth {
                    let paint = paints[patchRow * columns + patchColumns[column]], keep = 1 - paint.alpha
                    let i = ((y + row) * canvasWidth + x + column) * 3
                    pixels[i] = UInt8(min(Float(pixels[i]) * keep + paint.r, 255))
                    pixels[i + 1] = UInt8(min(Float(pixels[i + 1]) * keep + paint.g, 255))
                    pixels[i + 2] = UInt8(min(Float(pixels[i + 2]) * keep + paint.b, 255))
                }
            }
        }
    }
}
