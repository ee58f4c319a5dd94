import Foundation
import XCTest
import PatchCodec
import Tensors
@testable import EBT

/// The user-facing scale: energies as the PSNR they stand for.
final class ErrorScaleTests: XCTestCase {
    /// A codec over 8x8 patches whose components are single pixel values, with one shared scale.
    func codec(columns: Int = 4, rows: Int = 3, components: Int = 12, scale: Float = 0.7) throws -> PatchCodec {
        let grid = try PatchGrid(frameWidth: 8 * columns, frameHeight: 8 * rows, patchSize: 8)
        let d = grid.patchDimension
        var basis = [Float](repeating: 0, count: d * components)
        for k in 0..<components { basis[(k * 13) * components + k] = 1 }
        return try PatchCodec(grid: grid, mean: [Float](repeating: 0.5, count: d), basis: basis, scale: [Float](repeating: scale, count: components))
    }

    func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let mse = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
        return 10 * log10(255 * 255 / mse)
    }

    /// An error the codec can hold, of known size: energy ½‖δ‖² (what a calibrated energy
    /// estimates) must read as the PSNR the error really has in pixels.
    func testTheCodecsConversionReadsAKnownErrorAsItsMeasuredPSNR() throws {
        var generator = SeededGenerator(seed: 5)
        for scale: Float in [0.3, 0.95] {
            let codec = try codec(scale: scale), grid = codec.grid
            let frame = (0..<grid.frameByteCount).map { _ in UInt8(70 + Int(generator.next() % 116)) }
            let codes = codec.encode(rgb: frame, frameCount: 1)
            // Errors of up to 8 and 40 grey levels, clear of rounding and of clipping at 0 and 255.
            for size in [8 / (255 * scale), 40 / (255 * scale)] {
                let delta = codes.indices.map { _ in size * (Float(generator.next() % 2001) / 1000 - 1) }
                let energy = 0.5 * delta.reduce(0.0) { $0 + Double($1 * $1) }
                let before = codec.decode(embeddings: codes, frameCount: 1)
                let after = codec.decode(embeddings: zip(codes, delta).map { $0 + $1 }, frameCount: 1)
                let expected = ErrorScale(codec: codec, fit: nil).expectedPSNR(energy: energy, patches: grid.patchCount)
                XCTAssertEqual(expected, psnr(before, after), accuracy: 0.3, "scale \(scale), error size \(size)")
            }
        }
    }

    func testAFittedLineRecoversAKnownRelationAndRefusesOnesThatAreNot() throws {
        var generator = SeededGenerator(seed: 9)
        let energies = (0..<400).map { i in pow(10, -4 + 3 * Double(i) / 400) }
        // MSE = 10^1.3 · e^0.6, with multiplicative noise of about ±1 dB.
        let noise = energies.map { _ in (Double(generator.next() % 2001) / 1000 - 1) * 0.1 }
        let errors = zip(energies, noise).map { pow(10, 1.3 + 0.6 * log10($0.0) + $0.1) }
        let line = try XCTUnwrap(ErrorScale.Line.fit(energyPerPatch: energies, meanSquaredError: errors))
        XCTAssertEqual(line.slope, 0.6, accuracy: 0.02)
        XCTAssertEqual(line.intercept, 1.3, accuracy: 0.05)
        XCTAssertEqual(line.frames, 400)
        XCTAssertEqual(line.residualDecibels, 0.58, accuracy: 0.1, "uniform noise of ±1 dB has an rms of 1/√3")
        let truth = 20 * log10(255.0) - 10 * (1.3 + 0.6 * log10(0.003))
        XCTAssertEqual(line.psnr(energyPerPatch: 0.003), truth, accuracy: 0.1)
        XCTAssertEqual(line.psnr(energyPerPatch: -1), ErrorScale.psnrCap, "a level below zero reads as the cap")
        XCTAssertTrue(line.psnr(energyPerPatch: .nan).isNaN)

        XCTAssertNil(ErrorScale.Line.fit(energyPerPatch: [1, 1, 1, 1], meanSquaredError: [1, 2, 3, 4]), "no spread in energy")
        XCTAssertNil(ErrorScale.Line.fit(energyPerPatch: [1, 2, 3, 4], meanSquaredError: [4, 3, 2, 1]), "more energy must mean more error")
        XCTAssertNil(ErrorScale.Line.fit(energyPerPatch: [1, 2], meanSquaredError: [1, 2]), "too few frames")
    }

    func testTheFitSurvivesAModelFileRoundTripAndAModelWithoutOneUsesTheCodec() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ebtvid-scale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededGenerator(seed: 1)
        let codec = try codec(columns: 2, rows: 2, components: 4)
        var model = ModelFile(network: .ebt(EnergyModel(tinyConfig(), using: &generator)), codec: codec)
        XCTAssertFalse(model.errorScale.isFitted)
        XCTAssertEqual(model.errorScale.expected, ErrorScale.codecConversion(codec))
        let fit = ErrorScale.Fit(expected: .init(intercept: 2.3, slope: 0.5, residualDecibels: 3.4, frames: 1536),
                                 seen: .init(intercept: 2.87, slope: 0.9, residualDecibels: 0.8, frames: 1536))
        model.errorScaleFit = fit
        let url = folder.appendingPathComponent("m.safetensors")
        try model.write(to: url)
        let loaded = try ModelFile(contentsOf: url)
        XCTAssertEqual(loaded.errorScaleFit, fit)
        XCTAssertTrue(loaded.errorScale.isFitted)
        XCTAssertEqual(loaded.errorScale.expectedPSNR(energy: 0.4, patches: 4), model.errorScale.expectedPSNR(energy: 0.4, patches: 4))
        XCTAssertNotEqual(loaded.errorScale.expectedPSNR(energy: 0.4, patches: 4), ErrorScale(codec: codec, fit: nil).expectedPSNR(energy: 0.4, patches: 4))

        // A damaged scale is an error naming the file, not a silent fallback.
        var file = try model.safetensors()
        for (text, cause) in [("{\"expected\":1}", "unreadable error scale"),
                              ("{\"expected\":{\"intercept\":1,\"slope\":-2,\"residual_db\":0,\"frames\":3},\"seen\":{\"intercept\":1,\"slope\":1,\"residual_db\":0,\"frames\":3}}", "not a scale")] {
            file.metadata["error_scale"] = text
            XCTAssertThrowsError(try ModelFile(file: file, path: "m.safetensors")) { error in
                XCTAssertTrue("\(error)".hasPrefix("m.safetensors: "), "\(error)")
                XCTAssertTrue("\(error)".contains(cause), "\(error)")
            }
        }
    }
}
