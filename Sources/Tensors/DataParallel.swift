import Foundation

/// Runs jobs 0..<count at once, one per core, with every kernel and BLAS call inside them
/// single-threaded.
///
/// Why: a training step that splits each product and each elementwise op over both cores spends
/// much of its time handing work over; two half-batches, each alone on a core, hand nothing over
/// (`make bench` measures the gain as `ebt_train_data_parallel_speedup`).
///
/// `serial` keeps a single job on one core as well (a process that is one of several sharing a
/// machine's cores, `train --threads 1`); without it one job runs with every op split over the cores.
public func dataParallel(_ count: Int, serial: Bool = false, _ body: (Int) -> Void) {
    guard count > 1 || serial else { body(0); return }
    Kernels.serial = true
    defer { Kernels.serial = false }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}
