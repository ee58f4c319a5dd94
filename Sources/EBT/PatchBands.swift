import Foundation
import Tensors

/// The patch grid cut into bands of whole rows, each thought about on its own core.
///
/// Why: the energy is a sum of per-patch terms, so one band's terms and their gradient can be
/// computed apart from the others and the gradients added; a band's tokens read the neighbours
/// across its border, so its gradient reaches those patches too and the sum is exactly ∇ŷE of
/// the whole grid. One frame's thinking is a chain of small products and ops: on both cores at
/// once each of them is split and handed over, while bands side by side, each single-threaded
/// (`dataParallel`), hand nothing over.
public enum PatchBands {
    /// Cores a prediction may think on. Processes that share the machine with siblings (eval's
    /// workers) set it to 1.
    nonisolated(unsafe) public static var cores = ProcessInfo.processInfo.activeProcessorCount

    /// Bands smaller than this many patches (over the batch) are not worth a core.
    static let minimumPatches = 48

    /// `count` bands of whole rows, as even as the rows allow, covering the grid in order.
    public static func split(_ layout: PatchLayout, into count: Int) -> [Range<Int>] {
        let count = Swift.max(1, Swift.min(count, layout.rows))
        return (0..<count).map { band in
            (band * layout.rows / count * layout.columns)..<((band + 1) * layout.rows / count * layout.columns)
        }
    }

    /// The bands to think in for `batch` items on this grid: one per core, when each is big enough.
    public static func automatic(_ layout: PatchLayout, batch: Int) -> [Range<Int>] {
        let worthwhile = batch * layout.patches / minimumPatches
        return split(layout, into: Swift.max(1, Swift.min(cores, worthwhile)))
    }

    /// `body` of each item, each on its own core when there are several, with the caller's
    /// gradient modes (task-local values, which the workers would not otherwise see).
    static func concurrentMap<T, R>(_ items: [T], _ body: (T) -> R) -> [R] {
        guard items.count > 1 else { return items.map(body) }
        let frozen = GradientMode.parametersFrozen, recording = GradientMode.isRecording
        var results = [R?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            dataParallel(items.count) { i in
                buffer[i] = GradientMode.$parametersFrozen.withValue(frozen) {
                    GradientMode.$isRecording.withValue(recording) { body(items[i]) }
                }
            }
        }
        return results.map { $0! }
    }
}
