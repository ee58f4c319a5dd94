/// What the energy's level term reads of each patch: how much the patch was changing when the
/// context ended, and how much the first guess expects it to change.
///
/// Why these and nothing else: a frame's error concentrates where things move, so the level,
/// each patch's estimate of the error left at the bowl's minimum, reads per patch p, in the units
/// of that error:
///
///     0  ½‖x_last,p − x_prev,p‖²  the change just observed
///     1  ½‖a_p − x_last,p‖²       the change the first guess a makes (the anchor thinking starts
///                                  from; for a motion guess, the observed change carried along the
///                                  motion, so it sits where the moving edges will be)
///
/// Both come from the context alone, not from the candidate: thinking is unchanged, and so is the
/// surprise score E(x, y) − E(x, ŷ), in which they cancel. A read-out of the candidate's state, the
/// same two features averaged over each 3×3 neighbourhood, and features of the candidate's own
/// change were each tried beside them and ranked held-out errors worse (docs/experiments.md).
public enum LevelFeatures {
    public static let count = 2

    /// Features [rows, patches, count] for rows whose last observed frames, frames before those
    /// and first guesses are laid out one after another in `last`, `previous` and `anchor`
    /// (embedding values each, `patches` patches of equal size).
    public static func compute(last: [Float], previous: [Float], anchor: [Float], embedding: Int, patches: Int) -> [Float] {
        precondition(last.count == previous.count && last.count == anchor.count && last.count % embedding == 0)
        let values = embedding / patches
        var features = [Float](repeating: 0, count: last.count / values * count)
        for patch in 0..<(last.count / values) {
            var observed: Float = 0, expected: Float = 0
            for i in (patch * values)..<((patch + 1) * values) {
                observed += (last[i] - previous[i]) * (last[i] - previous[i])
                expected += (anchor[i] - last[i]) * (anchor[i] - last[i])
            }
            features[patch * count] = 0.5 * observed
            features[patch * count + 1] = 0.5 * expected
        }
        return features
    }
}
