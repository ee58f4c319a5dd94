import PatchCodec

/// The first guess a `.motion` model's thinking starts from, made in pixels where motion is
/// visible: the sub-pixel motion extrapolation of the last two frames (`SubpixelMotion`), or the
/// last frame when only one has been seen. Training and every job make it the same way.
public enum MotionGuess {
    /// The guess for the frame after `recent` (oldest first, frames of `grid`; only the last two
    /// are used), or nil when nothing has been seen.
    public static func next(after recent: [[UInt8]], grid: PatchGrid) -> [UInt8]? {
        guard let last = recent.last else { return nil }
        guard recent.count >= 2 else { return last }
        return SubpixelMotion.extrapolate(previous: recent[recent.count - 2], last: last, width: grid.frameWidth, height: grid.frameHeight)
    }
}
