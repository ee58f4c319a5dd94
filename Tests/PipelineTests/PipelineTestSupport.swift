import Foundation
import XCTest
import EBT
import PatchCodec
import Tensors
@testable import Pipeline

/// The repository's committed sample clips.
let committedClips = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("clips")

/// A fresh folder for one test, removed when it ends.
func scratchFolder(for test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// An untrained model over a codec fitted on the committed clips: enough to exercise the
/// whole path (reading, embedding, thinking, decoding, metrics, files).
func untrainedModel(kind: ModelConfig.Kind = .ebt, components: Int = 6, start: ThinkingStart? = nil) throws -> ModelFile {
    let grid = try PatchGrid(frameWidth: 32, frameHeight: 32, patchSize: 8)
    let clips = try ClipFinder.clips(in: [committedClips.path])
    let codec = try CodecFitting.principalComponents(clips: Array(clips.prefix(2)), grid: grid).codec(keeping: components)
    let config = ModelConfig(kind: kind, size: .tiny, embeddingSize: codec.embeddingSize, patchCount: grid.patchCount, context: 6,
                             thinkingStart: start)
    var generator = SeededGenerator(seed: 3)
    let network: ModelFile.Network = kind == .ebt ? .ebt(EnergyModel(config, using: &generator)) : .baseline(BaselineModel(config, using: &generator))
    return ModelFile(network: network, codec: codec)
}

import VideoIO

/// Builds clips for tests from frames of the committed ones.
enum VideoReaderFixture {
    static func firstFrame(of clip: URL) throws -> RGBFrame {
        try XCTUnwrap(try VideoReader(url: clip, options: ReadOptions(width: 64, height: 64)).nextFrame())
    }

    static func writeStatic(_ frame: RGBFrame, frames: Int, to url: URL) throws {
        let writer = try VideoWriter(url: url, width: frame.width, height: frame.height, fps: 24)
        for _ in 0..<frames { try writer.append(frame) }
        try writer.finish()
    }
}
