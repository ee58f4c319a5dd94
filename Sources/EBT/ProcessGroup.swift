/// The processes one training run is spread over (`mpirun -np N ebtvid train`): this one's rank,
/// how many there are, and how they add a buffer up across all of them. Kept as a closure so the
/// trainer needs no MPI to build; a process alone is rank 0 of 1 and adds nothing.
public struct ProcessGroup: Sendable {
    public let rank: Int
    public let size: Int
    private let sum: @Sendable (UnsafeMutableBufferPointer<Float>) -> Void

    public init(rank: Int, size: Int, sum: @escaping @Sendable (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(size >= 1 && (0..<size).contains(rank), "rank \(rank) of \(size)")
        self.rank = rank
        self.size = size
        self.sum = sum
    }

    public static let single = ProcessGroup(rank: 0, size: 1) { _ in }

    /// Replaces `buffer`, on every process at once, by its element-wise sum over all of them.
    public func allReduceSum(_ buffer: inout [Float]) {
        guard size > 1 else { return }
        buffer.withUnsafeMutableBufferPointer { sum($0) }
    }
}
