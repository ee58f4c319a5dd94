import Foundation

/// A Float32 n-dimensional array with value semantics and optional gradient tracking.
///
/// Storage is contiguous and row-major, shared between copies until one of them is mutated.
/// A tensor takes part in automatic differentiation only when it carries a graph node: leaves
/// get one from `asParameter()` or `requiringGradient()`, op results get one when an input has
/// one and gradient recording is on (see `withoutGradient`). Everything else pays nothing.
public struct Tensor {
    var storage: TensorStorage
    /// The length of each axis; `[]` for a scalar.
    public private(set) var shape: [Int]
    var node: GraphNode?

    init(storage: TensorStorage, shape: [Int], node: GraphNode? = nil) {
        precondition(storage.count == Shape.count(shape), "storage of \(storage.count) for shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.node = node
    }

    public init(shape: [Int], scalars: [Float]) {
        precondition(scalars.count == Shape.count(shape), "\(scalars.count) scalars for shape \(shape)")
        let storage = TensorStorage(count: scalars.count)
        scalars.withUnsafeBufferPointer { if let base = $0.baseAddress { storage.pointer.update(from: base, count: $0.count) } }
        self.init(storage: storage, shape: shape)
    }

    /// A rank-0 tensor.
    public init(_ scalar: Float) { self.init(storage: TensorStorage(repeating: scalar, count: 1), shape: []) }

    /// A rank-1 tensor.
    public init(_ scalars: [Float]) { self.init(shape: [scalars.count], scalars: scalars) }

    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(storage: TensorStorage(repeating: value, count: Shape.count(shape)), shape: shape)
    }

    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    public var rank: Int { shape.count }
    public var count: Int { storage.count }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor with \(count) elements")
        return storage.pointer[0]
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Writes into this value only: a shared buffer is copied first, and the graph node is
    /// dropped because the recorded history no longer describes the data.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        node = nil
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// A fresh buffer holding a kernel's output, with the given shape and no history yet.
    static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(storage: TensorStorage(count: Shape.count(shape)), shape: shape)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(16).map { String(format: "%.5g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 16 ? ", …" : "")]\(node == nil ? "" : ", grad"))"
    }
}
