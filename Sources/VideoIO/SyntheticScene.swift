/// Something that draws the frames of a synthetic clip in order. Scenes keep their own motion
/// state, so frames must be requested as 0, 1, 2, ...
protocol SyntheticScene {
    /// Draws frame `index` as packed RGB24 into `pixels` (width × height × 3 bytes).
    mutating func render(frame index: Int, into pixels: UnsafeMutableBufferPointer<UInt8>)
}

extension UnsafeMutableBufferPointer where Element == UInt8 {
    /// Stores a colour at pixel `offset` (in bytes), rounding and clamping to 0...255.
    @inline(__always)
    func storeRGB(_ color: (Float, Float, Float), at offset: Int) {
        self[offset] = UInt8((color.0 + 0.5).clamped(to: 0...255))
        self[offset + 1] = UInt8((color.1 + 0.5).clamped(to: 0...255))
        self[offset + 2] = UInt8((color.2 + 0.5).clamped(to: 0...255))
    }
}
