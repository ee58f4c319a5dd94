/// What a synthetic scene draws behind everything else: a procedural texture (repeating) or a
/// photograph (mirrored at its edges). Scenes place their camera in texels of the backdrop.
enum Backdrop {
    case procedural(ProceduralTexture)
    case photo(Photo)

    /// Texels on a side: the period of a procedural texture, the size of a photo.
    var side: Int {
        switch self {
        case .procedural(let texture): return texture.size
        case .photo(let photo): return photo.side
        }
    }

    /// The colour at a texel position; `footprint` (texels per output pixel) lets a photo
    /// average what a zoomed-out camera sees. Procedural textures hold no fine detail to alias.
    @inline(__always)
    func sample(x: Double, y: Double, footprint: Double = 1) -> (Float, Float, Float) {
        switch self {
        case .procedural(let texture): return texture.sample(x: x, y: y)
        case .photo(let photo): return photo.sample(x: x, y: y, footprint: footprint)
        }
    }
}
