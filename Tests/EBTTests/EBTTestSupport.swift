import Foundation
import XCTest
import Tensors
@testable import EBT

/// Small, exactly predictable sequences: each pair of embedding dimensions rotates by its own
/// angle every frame, so the next frame is a fixed linear function of the last two and a model
/// has something real to learn, while copying the last frame is clearly wrong.
/// With `noise`, each window gets its own noise level (uniform in 0...noise) on every frame: the
/// context shows how noisy a window is, so a calibrated energy can tell which predictions will miss.
func rotatingWindows(batch: Int, length: Int, embedding: Int, seed: UInt64, noise: Float = 0) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    var values = [Float](repeating: 0, count: batch * length * embedding)
    for b in 0..<batch {
        for pair in 0..<(embedding / 2) {
            let angle = 0.25 + 0.05 * Float(pair % 5)
            let radius = 0.5 + generator.nextUnitFloat()
            let phase = generator.nextUnitFloat() * 2 * .pi
            for t in 0..<length {
                let base = (b * length + t) * embedding + 2 * pair
                values[base] = radius * cos(phase + angle * Float(t))
                values[base + 1] = radius * sin(phase + angle * Float(t))
            }
        }
        let level = noise * generator.nextUnitFloat()
        for i in (b * length * embedding)..<((b + 1) * length * embedding) { values[i] += level * generator.nextNormal() }
    }
    return Tensor(shape: [batch, length, embedding], scalars: values)
}

/// A tiny model trained on a 2x2 grid of 4 components per patch (`embedding` = patches x components,
/// so 16 values a frame), unless another grid is asked for.
func tinyConfig(kind: ModelConfig.Kind = .ebt, rows: Int = 2, columns: Int = 2, components: Int = 4) -> ModelConfig {
    ModelConfig(kind: kind, embeddingSize: rows * columns * components, patchCount: rows * columns, width: 32, layers: 2, heads: 2,
                context: 6, thinkingSteps: 2, initialStepSize: 1, patchColumns: rows == columns ? nil : columns)
}

/// A tiny EBT with every parameter moved off its initial value (gains off 1, biases off 0, heads
/// non-negligible, level feature weights non-zero), so that every term of the energy shows in a
/// test that compares energies or corrections.
func scrambledModel(_ config: ModelConfig = tinyConfig(), seed: UInt64 = 21) -> EnergyModel {
    var generator = SeededGenerator(seed: seed)
    var model = EnergyModel(config, using: &generator)
    var parameters: [String: Tensor] = [:]
    for (name, tensor) in model.namedParameters where name != "logStepSize" {
        parameters[name] = tensor.detached() + Tensor.randn(tensor.shape, std: 0.15, using: &generator)
    }
    parameters["logStepSize"] = Tensor(shape: [1], scalars: [-1])
    try! model.loadParameters(parameters)
    return model
}

/// Frames [batch, seq, rows·columns·components] of random codes.
func randomFrames(batch: Int, length: Int, layout: PatchLayout, components: Int, seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.randn([batch, length, layout.patches * components], using: &generator)
}

/// Runs a Python snippet; exit status 77 from it means "a package is missing" and skips the test.
func runPython(_ script: String, arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    try process.run()
    process.waitUntilExit()
    if process.terminationStatus == 77 { throw XCTSkip("python3 safetensors is not installed") }
    return process.terminationStatus
}

func pearson(_ a: [Double], _ b: [Double]) -> Double {
    let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
    let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
    let va = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }, vb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
    return cov / (va * vb).squareRoot()
}
