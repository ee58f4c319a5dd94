/// What the energy's level term sees of each patch besides the candidate's state: how much that
/// patch was changing when the context ended.
///
/// Why: a frame's error concentrates where things move, and the level's linear read-out of one
/// state vector per frame could not say which of 64 patches would miss (per-patch Spearman with
/// error 0.04 on held-out clips, while a map of the last observed change reached 0.62 with no
/// model at all). So the level also reads, per patch p, in the units of the error it estimates:
///
///     0  ½‖x_last,p − x_prev,p‖²  the change just observed
///     1  feature 0 averaged over the patch's 3×3 neighbourhood: motion nearby can move into p
///
/// Both come from the context alone, not from the candidate: thinking is unchanged, and so is the
/// surprise score E(x, y) − E(x, ŷ), in which they cancel. (Features of the candidate's own change
/// were tried too; they ranked held-out errors worse, 0.61 against 0.64, and cost surprise AUROC.)
public enum LevelFeatures {
    public static let count = 2

    /// Features [rows, patches, count] for rows whose last and previous observed frames are laid
    /// out one after another in `last` and `previous` (embedding values each); patches sit in a
    /// grid of `columns` per row.
    public static func compute(last: [Float], previous: [Float], embedding: Int, patches: Int, columns: Int) -> [Float] {
        precondition(last.count == previous.count && last.count % embedding == 0)
        let rows = last.count / embedding
        var features = [Float](repeating: 0, count: rows * patches * count)
        last.withUnsafeBufferPointer { a in
            previous.withUnsafeBufferPointer { b in
                features.withUnsafeMutableBufferPointer { out in
                    compute(rows: rows, embedding: embedding, patches: patches, columns: columns,
                            last: a.baseAddress!, previous: b.baseAddress!, into: out.baseAddress!)
                }
            }
        }
        return features
    }

    /// The same on raw buffers, for thinking without the graph.
    static func compute(rows: Int, embedding: Int, patches: Int, columns: Int,
                        last a: UnsafePointer<Float>, previous b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let values = embedding / patches, gridRows = (patches + columns - 1) / columns
        for r in 0..<rows {
            let row = out + r * patches * count
            for p in 0..<patches {
                var change: Float = 0
                for i in (r * embedding + p * values)..<(r * embedding + (p + 1) * values) { change += (a[i] - b[i]) * (a[i] - b[i]) }
                row[p * count] = 0.5 * change
            }
            for p in 0..<patches {
                let (gy, gx) = (p / columns, p % columns)
                var sum: Float = 0, neighbours: Float = 0
                for ny in Swift.max(gy - 1, 0)...Swift.min(gy + 1, gridRows - 1) {
                    for nx in Swift.max(gx - 1, 0)...Swift.min(gx + 1, columns - 1) where ny * columns + nx < patches {
                        sum += row[(ny * columns + nx) * count]
                        neighbours += 1
                    }
                }
                row[p * count + 1] = sum / neighbours
            }
        }
    }
}
