import Tensors

/// The patch grid of the frames a model is looking at. Models are not tied to one: the same
/// weights run on every patch of any grid, so a clip keeps its own shape.
public struct PatchLayout: Equatable, Sendable {
    public let rows: Int
    public let columns: Int

    public init(rows: Int, columns: Int) {
        precondition(rows >= 1 && columns >= 1, "a patch grid needs at least one patch, got \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
    }

    public var patches: Int { rows * columns }
}

/// What one patch sees of a frame: its 3x3 neighbourhood of patch codes, as spatial differences
/// from the patch itself (the texture motion would move across it) and as the change since the
/// previous frame (the motion itself). Every patch is read the same way, so what the model learns
/// about motion in one place applies everywhere; and neither part carries the absolute brightness,
/// which on real footage made a per-patch model fit the scene rather than the motion.
/// Borders repeat the edge patch.
public enum PatchTokens {
    /// Patches in a neighbourhood.
    public static let neighbourhood = 9

    /// Values per token for codes of `components` values per patch.
    public static func featureSize(components: Int) -> Int { 2 * neighbourhood * components }

    /// Tokens [batch·patches, seq, featureSize] of frames [batch, seq, patches·components], each
    /// frame read against `previous` (same shape): row b·patches + p is patch p's own sequence.
    public static func tokens(_ frames: Tensor, previous: Tensor, layout: PatchLayout, components: Int) -> Tensor {
        precondition(frames.shape == previous.shape && frames.rank == 3, "frames \(frames.shape) against previous \(previous.shape)")
        precondition(frames.shape[2] == layout.patches * components,
                     "frames of \(frames.shape[2]) values for \(layout.patches) patches of \(components)")
        let (batch, length) = (frames.shape[0], frames.shape[1])
        let rows = [batch * length * layout.patches, components]
        let outer = [batch * layout.patches, length, neighbourhood]
        let around = neighbourIndices(layout: layout, batch: batch, length: length, centreOnly: false)
        let centre = neighbourIndices(layout: layout, batch: batch, length: length, centreOnly: true)
        let table = frames.reshaped(rows)
        let spatial = embedding(table, indices: around, shape: outer) - embedding(table, indices: centre, shape: outer)
        let change = embedding((frames - previous).reshaped(rows), indices: around, shape: outer)
        let size = neighbourhood * components
        return concat([spatial.reshaped([outer[0], length, size]), change.reshaped([outer[0], length, size])], axis: -1)
    }

    /// Row indices into the [batch·seq·patches, components] table, in token order (b, p, s, k):
    /// the k-th neighbour of patch p in frame s of item b (or p itself for every k).
    static func neighbourIndices(layout: PatchLayout, batch: Int, length: Int, centreOnly: Bool) -> [Int] {
        let patches = layout.patches
        var neighbours = [Int](repeating: 0, count: patches * neighbourhood)
        for p in 0..<patches {
            let (y, x) = (p / layout.columns, p % layout.columns)
            for k in 0..<neighbourhood {
                let ny = Swift.min(Swift.max(y + k / 3 - 1, 0), layout.rows - 1)
                let nx = Swift.min(Swift.max(x + k % 3 - 1, 0), layout.columns - 1)
                neighbours[p * neighbourhood + k] = centreOnly ? p : ny * layout.columns + nx
            }
        }
        var indices = [Int](repeating: 0, count: batch * patches * length * neighbourhood)
        var i = 0
        for b in 0..<batch {
            for p in 0..<patches {
                for s in 0..<length {
                    let base = (b * length + s) * patches
                    for k in 0..<neighbourhood {
                        indices[i] = base + neighbours[p * neighbourhood + k]
                        i += 1
                    }
                }
            }
        }
        return indices
    }

    /// Per-patch outputs [batch·patches, count, values] back in frame order, [batch, count, patches·values].
    public static func framewise(_ perPatch: Tensor, batch: Int, patches: Int) -> Tensor {
        let (count, values) = (perPatch.shape[1], perPatch.shape[2])
        return perPatch.reshaped([batch, patches, count, values]).permuted([0, 2, 1, 3]).reshaped([batch, count, patches * values])
    }
}
