import XCTest
@testable import Tensors

/// A two-layer perceptron for the optimizer tests.
struct Perceptron: Layer {
    var layers: [Linear]

    init(_ sizes: [Int], seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        layers = zip(sizes, sizes.dropFirst()).map { Linear($0, $1, using: &generator) }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() { h = i + 1 < layers.count ? tanh(layer(h)) : layer(h) }
        return h
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { i, layer in layer.namedParameters.map { ("layers.\(i).\($0.name)", $0.tensor) } }
    }

    mutating func loadParameters(_ parameters: [String: Tensor]) throws {
        for i in layers.indices { try ParameterNames.load(&layers[i], "layers.\(i)", from: parameters) }
    }
}

final class TrainingTests: XCTestCase {
    func train(_ model: Perceptron, inputs: Tensor, targets: Tensor, optimizer: inout AdamW, steps: Int) -> Float {
        for _ in 0..<steps {
            let (_, gradients) = valueAndGrad(wrt: model.parameters) { mseLoss(model(inputs), targets) }
            optimizer.update(model, gradients: gradients)
        }
        return withoutGradient { mseLoss(model(inputs), targets).item }
    }

    func testPerceptronLearnsXOR() {
        let model = Perceptron([2, 8, 1], seed: 3)
        let inputs = Tensor(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1])
        let targets = Tensor(shape: [4, 1], scalars: [0, 1, 1, 0])
        var optimizer = AdamW(learningRate: 0.05, weightDecay: 0)
        let loss = train(model, inputs: inputs, targets: targets, optimizer: &optimizer, steps: 500)
        XCTAssertLessThan(loss, 1e-4)
    }

    func testPerceptronFitsASmoothFunction() {
        var generator = SeededGenerator(seed: 4)
        let inputs = Tensor.uniform([256, 2], low: -2, high: 2, using: &generator)
        let x = inputs.scalars
        let targets = Tensor(shape: [256, 1], scalars: (0..<256).map { Foundation.sin(x[2 * $0]) * Foundation.cos(x[2 * $0 + 1]) })
        let model = Perceptron([2, 32, 32, 1], seed: 5)
        var optimizer = AdamW(schedule: LearningRateSchedule(peak: 0.01, warmupSteps: 50, totalSteps: 2000, floor: 1e-4),
                              weightDecay: 1e-4)
        let loss = train(model, inputs: inputs, targets: targets, optimizer: &optimizer, steps: 2000)
        // The targets have variance ≈ 0.2; near-zero means below 0.5% of it.
        XCTAssertLessThan(loss, 1e-3)
    }

    func testAdamWUpdatesInPlaceWithDecoupledDecayClippingAndMultipliers() {
        let matrix = Tensor.ones([2, 2]).asParameter(), vector = Tensor.ones([2]).asParameter()
        let heldByModel = matrix   // a copy, as a layer would hold it
        var optimizer = AdamW(schedule: .constant(0.1), weightDecay: 0.5, maxGradientNorm: 1,
                              learningRateMultipliers: ["vector": 2])
        let gradients = [Tensor.full([2, 2], 3), Tensor.full([2], -4)]
        let norm = optimizer.update([("matrix", matrix), ("vector", vector)], gradients: gradients)
        XCTAssertEqual(norm, (4 * 9 + 2 * 16 as Float).squareRoot(), accuracy: 1e-4)
        // First Adam step moves by lr·sign(g) whatever the clipping; decay shrinks matrices only.
        assertClose(heldByModel.scalars, [Float](repeating: 1 * (1 - 0.1 * 0.5) - 0.1, count: 4), tolerance: 1e-5)
        assertClose(vector.scalars, [1 + 0.2, 1 + 0.2], tolerance: 1e-5)
        XCTAssertEqual(optimizer.step, 1)
    }

    func testWarmupCosineSchedule() {
        let schedule = LearningRateSchedule(peak: 1, warmupSteps: 10, totalSteps: 110, floor: 0.1)
        XCTAssertEqual(schedule(0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(schedule(9), 1, accuracy: 1e-6)
        XCTAssertEqual(schedule(10), 1, accuracy: 1e-6)
        XCTAssertEqual(schedule(60), 0.55, accuracy: 1e-6)
        XCTAssertEqual(schedule(110), 0.1, accuracy: 1e-6)
        XCTAssertEqual(schedule(500), 0.1, accuracy: 1e-6)
        XCTAssertGreaterThan(schedule(30), schedule(40))
    }
}
