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
        _ = TensorStorage.keepFreedMemory
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

    /// Training allocates and frees the same large activation buffers every step. By default
    /// glibc serves them with fresh mmaps (or trims the heap), so every step pays page faults and
    /// the kernel zeroing each page; keeping freed memory in the heap makes reuse free.
    private static let keepFreedMemory: Void = {
        #if os(Linux)
        _ = glibcMallopt(-3, 1 << 30)  // M_MMAP_THRESHOLD
        _ = glibcMallopt(-1, 1 << 30)  // M_TRIM_THRESHOLD
        #endif
    }()
}

#if os(Linux)
/// glibc's `mallopt`, which the Glibc module map does not export.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
