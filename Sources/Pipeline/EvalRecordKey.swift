import EBT
import Foundation

/// Everything a clip's evaluation record depends on besides the code (`ClipEvaluation.format`):
/// the clip file, its sidecar, the model and baseline, and the options. A record is stored with
/// its key, and a re-run into the same `--out` reuses it only when the key it would make now is
/// the same, so another model, option or edited clip is evaluated again instead of reported
/// under the new name with the old numbers.
public struct EvalRecordKey: Codable, Equatable, Sendable {
    /// The clip's size in bytes and modification time (seconds since 1970, to the nanosecond):
    /// a changed clip changes one, at a fraction of hashing a long video.
    public var clipBytes: Int
    public var clipModified: Double
    /// The content hash of the clip's sidecar JSON (its surprise frames), nil without one.
    public var sidecar: String?
    public var model: String
    public var baseline: String?
    public var horizon: Int
    /// Context frames and thinking steps as run (the request's, or the model's own).
    public var context: Int
    public var thinkingSteps: Int
    public var samples: Int
    public var tolerance: Float?
    /// Whether the frames were read as stored rather than turned upright; nil (upright) in
    /// records made before the choice existed, which read a rotated clip as stored, so those are
    /// evaluated again.
    public var keptOrientation: Bool?

    enum CodingKeys: String, CodingKey {
        case sidecar, model, baseline, horizon, context, samples, tolerance
        case keptOrientation = "kept_orientation"
        case clipBytes = "clip_bytes"
        case clipModified = "clip_modified"
        case thinkingSteps = "thinking_steps"
    }

    /// The key of evaluating `clip` as `request` asks with a model of `modelFingerprint` whose own
    /// context and thinking steps are given; nil when the clip cannot be looked at (it will fail).
    init?(clip: URL, request: EvalRequest, model: ModelFile, modelFingerprint: String, baselineFingerprint: String?) {
        var status = stat()
        guard stat(clip.path, &status) == 0 else { return nil }
        clipBytes = Int(status.st_size)
        clipModified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        sidecar = (try? Data(contentsOf: EvalJob.sidecar(of: clip))).map { data in
            var hash = ContentHash()
            data.withUnsafeBytes { hash.add($0) }
            return hash.hex
        }
        self.model = modelFingerprint
        baseline = baselineFingerprint
        horizon = request.horizon
        context = request.context ?? model.network.config.context
        thinkingSteps = request.thinkingSteps ?? model.network.config.thinkingSteps
        samples = request.samples
        tolerance = request.tolerance
        keptOrientation = request.keepOrientation
    }
}
