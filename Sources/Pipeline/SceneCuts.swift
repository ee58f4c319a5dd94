/// Hard scene cuts, found from how much each frame differs from the frames just before it.
///
/// A frame starts a new shot when its difference from the previous frame is far above the clip's
/// usual difference around it (the median over the neighbouring frames, so a steady pan, whose
/// every frame differs a lot, has no cuts) and above an absolute floor (so a still clip's noise
/// has none either). A frame that differs only for one frame, a glitch or a flash, is no cut: the
/// new picture must also differ from the frame two back, and the frame after it must not return
/// to the old picture. Fed frames one at a time, so a streaming reader holds no extra frames.
public struct SceneCuts {
    /// Neighbouring frames on each side whose median difference is the usual one.
    static let radius = 12
    /// How many times the usual difference a cut's must be, and the least it must be (a pixel MSE
    /// on the 0...255 scale, 22 dB as a PSNR): both far above what motion makes, so an object
    /// that appears or a quick pan is not taken for a new shot.
    static let ratio = 8.0
    static let floor = 400.0

    /// For each frame added, its pixel MSE against the previous frame and against the one before
    /// that (NaN where there is none).
    public private(set) var previous: [Double] = []
    public private(set) var skipping: [Double] = []
    private var recent: [[UInt8]] = []

    public init() {}

    /// The next frame, RGB24, of the same size as the others.
    public mutating func add(_ frame: [UInt8]) {
        previous.append(recent.last.map { PSNR.meanSquaredError(frame, $0) } ?? .nan)
        skipping.append(recent.count == 2 ? PSNR.meanSquaredError(frame, recent[0]) : .nan)
        recent = Array((recent + [frame]).suffix(2))
    }

    /// The frames added so far (0 the first) that start a new shot.
    public var cuts: [Int] { Self.cuts(previous: previous, skipping: skipping) }

    /// The cuts among frames whose differences are `previous` (from the frame before) and
    /// `skipping` (from the frame two before), NaN where a frame has no such neighbour.
    public static func cuts(previous: [Double], skipping: [Double]) -> [Int] {
        precondition(previous.count == skipping.count)
        let n = previous.count
        guard n >= 2 else { return [] }
        return (1..<n).filter { t in
            let around = ((t - radius)...(t + radius)).filter { $0 >= 1 && $0 < n && $0 != t }.map { previous[$0] }.filter(\.isFinite)
            let usual = around.isEmpty ? 0 : GlitchDetection.median(around)
            func far(_ difference: Double) -> Bool { difference.isNaN || (difference >= floor && difference >= ratio * usual) }
            // Far from the frame before and from the one before that, and the frame after stays away too.
            return !previous[t].isNaN && far(previous[t]) && far(skipping[t]) && (t + 1 >= n || far(skipping[t + 1]))
        }
    }

    /// The cuts of `cuts` that fall inside `frames` after its first frame: where a window of those
    /// frames leaves one shot for another.
    public static func crossing(_ frames: Range<Int>, cuts: [Int]) -> [Int] {
        cuts.filter { $0 > frames.lowerBound && $0 < frames.upperBound }
    }
}
