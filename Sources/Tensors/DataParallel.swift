import Foundation

/// Runs jobs 0..<count at once, one per core, with every kernel and BLAS call inside them
/// single-threaded.
///
/// Why: a training step that splits each product and each elementwise op over both cores spends
/// much of its time handing work over; two half-batches, each alone on a core, hand nothing over
/// (`make bench` measures the gain as `ebt_train_data_parallel_speedup`).
public func dataParallel(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1 else { body(0); return }
    Kernels.serial = true
    defer { Kernels.serial = false }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}
