import Foundation
import XCTest
import Tensors
@testable import EBT

/// Small, exactly predictable sequences: each pair of embedding dimensions rotates by its own
/// angle every frame, so the next frame is a fixed linear function of the last two and a model
/// has something real to learn, while copying the last frame is clearly wrong.
func rotatingWindows(batch: Int, length: Int, embedding: Int, seed: UInt64) -> Tensor {
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
    }
    return Tensor(shape: [batch, length, embedding], scalars: values)
}

func tinyConfig(kind: ModelConfig.Kind = .ebt) -> ModelConfig {
    ModelConfig(kind: kind, embeddingSize: 16, patchCount: 4, width: 32, layers: 2, heads: 2, context: 6,
                thinkingSteps: 2, initialStepSize: 1)
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
