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

    /// Tokens [batch·band.count, seq, featureSize] of frames [batch, seq, patches·components], each
    /// frame read against `previous` (same shape), for the patches of `band` (nil: all of them):
    /// row b·band.count + i is patch band.lowerBound + i's own sequence. A band's tokens still read
    /// their neighbours across its border, so a band's energy depends on those patches too.
    public static func tokens(_ frames: Tensor, previous: Tensor, layout: PatchLayout, components: Int,
                              band: Range<Int>? = nil) -> Tensor {
        precondition(frames.shape == previous.shape && frames.rank == 3, "frames \(frames.shape) against previous \(previous.shape)")
        precondition(frames.shape[2] == layout.patches * components,
                     "frames of \(frames.shape[2]) values for \(layout.patches) patches of \(components)")
        let (batch, length) = (frames.shape[0], frames.shape[1])
        let band = band ?? 0..<layout.patches
        precondition(band.lowerBound >= 0 && band.upperBound <= layout.patches && !band.isEmpty, "band \(band) of \(layout.patches) patches")
        let rows = [batch * length * layout.patches, components]
        let outer = [batch * band.count, length, neighbourhood]
        let around = neighbourIndices(layout: layout, batch: batch, length: length, centreOnly: false, band: band)
        let centre = neighbourIndices(layout: layout, batch: batch, length: length, centreOnly: true, band: band)
        let table = frames.reshaped(rows)
        let spatial = embedding(table, indices: around, shape: outer) - embedding(table, indices: centre, shape: outer)
        let change = embedding((frames - previous).reshaped(rows), indices: around, shape: outer)
        let size = neighbourhood * components
        return concat([spatial.reshaped([outer[0], length, size]), change.reshaped([outer[0], length, size])], axis: -1)
    }

    /// Row indices into the [batch·seq·patches, components] table, in token order (b, p, s, k):
    /// the k-th neighbour of patch p of `band` in frame s of item b (or p itself for every k).
    static func neighbourIndices(layout: PatchLayout, batch: Int, length: Int, centreOnly: Bool, band: Range<Int>) -> [Int] {
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
        var indices = [Int](repeating: 0, count: batch * band.count * length * neighbourhood)
        var i = 0
        for b in 0..<batch {
            for p in band {
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
