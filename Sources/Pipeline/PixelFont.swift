/// A 3×5 pixel font for the few labels drawn into videos (numbers and short words), so overlays
/// need no font files. Each glyph is five rows of three bits, most significant bit on the left.
public enum PixelFont {
    static let glyphs: [Character: [UInt8]] = [
        "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7], "4": [5, 5, 7, 1, 1],
        "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 2, 2], "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7],
        ".": [0, 0, 0, 0, 2], "-": [0, 0, 7, 0, 0], "+": [0, 2, 7, 2, 0], "!": [2, 2, 2, 0, 2], " ": [0, 0, 0, 0, 0],
        "A": [2, 5, 7, 5, 5], "E": [7, 4, 6, 4, 7], "G": [7, 4, 5, 5, 7], "H": [5, 5, 7, 5, 5], "I": [7, 2, 2, 2, 7],
        "L": [4, 4, 4, 4, 7], "N": [6, 5, 5, 5, 5], "O": [7, 5, 5, 5, 7], "P": [7, 5, 7, 4, 4], "R": [6, 5, 6, 5, 5],
        "S": [7, 4, 7, 1, 7], "U": [5, 5, 5, 5, 7], "W": [5, 5, 7, 7, 5], "Y": [5, 5, 2, 2, 2], "F": [7, 4, 6, 4, 4],
        "M": [5, 7, 7, 5, 5], "T": [7, 2, 2, 2, 2], "C": [7, 4, 4, 4, 7], "K": [5, 5, 6, 5, 5], "D": [6, 5, 5, 5, 6],
        "B": [6, 5, 6, 5, 6], "J": [1, 1, 1, 5, 7], "Q": [2, 5, 5, 6, 3], "V": [5, 5, 5, 5, 2], "X": [5, 5, 2, 5, 5],
        "Z": [7, 1, 2, 4, 7], "/": [1, 1, 2, 4, 4], ":": [0, 2, 0, 2, 0], "(": [1, 2, 2, 2, 1], ")": [4, 2, 2, 2, 4],
        "%": [5, 1, 2, 4, 5], "=": [0, 7, 0, 7, 0], ",": [0, 0, 0, 2, 4], "<": [1, 2, 4, 2, 1], ">": [4, 2, 1, 2, 4],
        "_": [0, 0, 0, 0, 7], "'": [2, 2, 0, 0, 0], "?": [7, 1, 2, 0, 2],
    ]
    /// A glyph's height, and the distance from one character to the next, in font pixels.
    public static let glyphHeight = 5, advance = 4

    /// Draws `text` (upper-cased; unknown characters as blanks) with its top-left at (x, y), each
    /// font pixel `scale` canvas pixels wide.
    public static func draw(_ text: String, on canvas: inout Canvas, x: Int, y: Int, scale: Int = 2, color: (UInt8, UInt8, UInt8) = (230, 230, 230)) {
        var penX = x
        for character in text.uppercased() {
            let rows = glyphs[character] ?? glyphs[" "]!
            for (r, bits) in rows.enumerated() {
                for c in 0..<3 where bits & (4 >> c) != 0 {
                    canvas.fill(x: penX + c * scale, y: y + r * scale, width: scale, height: scale, color: color)
                }
            }
            penX += advance * scale
        }
    }

    /// The width in canvas pixels of `text` drawn at `scale` (no trailing gap).
    public static func width(_ text: String, scale: Int) -> Int { max(text.count * advance - 1, 0) * scale }

    /// Draws `text` centred horizontally on `centreX`.
    public static func drawCentred(_ text: String, on canvas: inout Canvas, centreX: Int, y: Int, scale: Int,
                                   color: (UInt8, UInt8, UInt8) = (230, 230, 230)) {
        draw(text, on: &canvas, x: centreX - width(text, scale: scale) / 2, y: y, scale: scale, color: color)
    }
}

extension Canvas {
    /// Fills a rectangle (clipped to the canvas).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: (UInt8, UInt8, UInt8)) {
        let (left, right) = (max(x, 0), min(x + w, width)), (top, bottom) = (max(y, 0), min(y + h, height))
        guard left < right, top < bottom else { return }
        for row in top..<bottom {
            for column in left..<right {
                let i = (row * width + column) * 3
                pixels[i] = color.0; pixels[i + 1] = color.1; pixels[i + 2] = color.2
            }
        }
    }
}
