/// The contiguous row-major Float32 buffer behind one or more `Tensor` values.
///
/// A class rather than an array so that tensor copies, reshapes and graph nodes share one
/// allocation (copy-on-write is decided with `isKnownUniquelyReferenced`), and so kernels work on
/// a raw pointer without ARC traffic or bounds checks inside their loops.
final class TensorStorage {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// Uninitialized storage: every kernel that creates one writes all of it.
    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: Swift.max(count, 1))
    }

    convenience init(repeating value: Float, count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    convenience init(copying source: UnsafePointer<Float>, count: Int) {
        self.init(count: count)
        pointer.update(from: source, count: count)
    }

    func copy() -> TensorStorage { TensorStorage(copying: pointer, count: count) }

    deinit { pointer.deallocate() }
}
