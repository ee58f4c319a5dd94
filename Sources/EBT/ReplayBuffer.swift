import Tensors

/// Earlier training windows with the prediction thinking reached on each. A replayed window starts
/// thinking where it stopped then, so a batch trained for K steps also teaches steps K+1 … 2K (and
/// further when a replay is replayed) without keeping their graph: the bowl is shaped beyond the
/// trained steps, where longer thinking at inference goes. The predictions are a few steps stale,
/// as in any replay buffer; thinking from them is still thinking from a plausible candidate.
public struct ReplayBuffer: Equatable {
    /// Windows [seq + 1, embedding] and the predictions [seq, embedding] made on them, flattened.
    public private(set) var windows: [[Float]] = []
    public private(set) var predictions: [[Float]] = []
    /// Window shape [seq + 1, embedding]; fixed by the first entry.
    public private(set) var windowShape: [Int] = []
    public let capacity: Int
    /// Where the next entry goes once full: the oldest is replaced first.
    private var next = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a replay buffer holds at least one window")
        self.capacity = capacity
    }

    public var count: Int { windows.count }

    /// Adds each window of [batch, seq + 1, embedding] with its prediction [batch, seq, embedding].
    public mutating func add(windows batch: Tensor, predictions made: Tensor) {
        precondition(batch.rank == 3 && made.shape == [batch.shape[0], batch.shape[1] - 1, batch.shape[2]],
                     "windows \(batch.shape) and predictions \(made.shape) do not match")
        let shape = Array(batch.shape.dropFirst())
        if windowShape != shape { windows = []; predictions = []; next = 0; windowShape = shape }
        let windowValues = batch.scalars, predictionValues = made.scalars
        let windowSize = windowValues.count / batch.shape[0], predictionSize = predictionValues.count / batch.shape[0]
        for row in 0..<batch.shape[0] {
            let window = Array(windowValues[(row * windowSize)..<((row + 1) * windowSize)])
            let prediction = Array(predictionValues[(row * predictionSize)..<((row + 1) * predictionSize)])
            if windows.count < capacity {
                windows.append(window)
                predictions.append(prediction)
            } else {
                windows[next] = window
                predictions[next] = prediction
                next = (next + 1) % capacity
            }
        }
    }

    /// `count` distinct entries drawn at random: windows [count, seq + 1, embedding] and the
    /// predictions to start thinking from [count, seq, embedding].
    public func sample<G: RandomNumberGenerator>(_ count: Int, using generator: inout G) -> (windows: Tensor, starts: Tensor) {
        precondition(count > 0 && count <= self.count, "cannot draw \(count) of \(self.count) replayed windows")
        var order = Array(0..<self.count)
        for i in 0..<count { order.swapAt(i, Int.random(in: i..<self.count, using: &generator)) }
        let picked = order.prefix(count)
        let predictionShape = [windowShape[0] - 1, windowShape[1]]
        return (Tensor(shape: [count] + windowShape, scalars: picked.flatMap { windows[$0] }),
                Tensor(shape: [count] + predictionShape, scalars: picked.flatMap { predictions[$0] }))
    }

    /// A buffer holding exactly these entries in this order, the oldest at `oldest` once full (a
    /// checkpoint's), so a resumed run draws the same windows the uninterrupted one would.
    public init(capacity: Int, windows stored: Tensor, predictions made: Tensor, oldest: Int) {
        self.init(capacity: capacity)
        if stored.shape[0] > 0 { add(windows: stored, predictions: made) }
        next = count == capacity ? oldest % capacity : 0
    }

    /// The entries as two tensors in storage order, and where the oldest is, for a checkpoint.
    public var contents: (windows: Tensor, predictions: Tensor, oldest: Int)? {
        guard count > 0 else { return nil }
        let predictionShape = [windowShape[0] - 1, windowShape[1]]
        return (Tensor(shape: [count] + windowShape, scalars: windows.flatMap { $0 }),
                Tensor(shape: [count] + predictionShape, scalars: predictions.flatMap { $0 }), next)
    }
}
