/// How a frame of one aspect ratio is fitted into an output of another.
public enum ResizePolicy: String, Codable, Sendable, CaseIterable {
    /// Cut the centre region with the output's aspect ratio, then scale it: nothing is distorted,
    /// the edges of the long side are lost. The default, because shapes and motion keep their geometry.
    case centerCrop = "crop"
    /// Scale the whole frame to the output size, distorting it when the aspects differ
    /// (what `ffmpeg -vf scale=W:H` does).
    case stretch

    /// The source rectangle to scale from, as (left, top, width, height) in source pixels.
    /// Offsets and sizes are kept even so 4:2:0 chroma planes stay aligned with the luma crop.
    public func sourceRegion(sourceWidth: Int, sourceHeight: Int,
                             targetWidth: Int, targetHeight: Int) -> (left: Int, top: Int, width: Int, height: Int) {
        guard self == .centerCrop, sourceWidth > 0, sourceHeight > 0 else {
            return (0, 0, sourceWidth, sourceHeight)
        }
        // Compare aspects by cross-multiplication to stay exact in integers.
        var width = sourceWidth, height = sourceHeight
        if sourceWidth * targetHeight > sourceHeight * targetWidth {
            width = min(sourceWidth, evenRounded(Double(sourceHeight) * Double(targetWidth) / Double(targetHeight)))
        } else if sourceWidth * targetHeight < sourceHeight * targetWidth {
            height = min(sourceHeight, evenRounded(Double(sourceWidth) * Double(targetHeight) / Double(targetWidth)))
        }
        let left = ((sourceWidth - width) / 2) & ~1
        let top = ((sourceHeight - height) / 2) & ~1
        return (left, top, width, height)
    }

    private func evenRounded(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
}
