import XCTest
import Tensors
@testable import EBT

/// Thinking in bands of the grid (`PatchBands`) is the whole grid's thinking, cut up: each band's
/// terms are the whole grid's terms of its patches, the bands' gradients add up to the whole
/// grid's ∇ŷE (a band's tokens read its neighbours across the border, so its gradient reaches
/// them), and a prediction made in bands is the one made on one core.
final class PatchBandsTests: XCTestCase {
    private let layout = PatchLayout(rows: 5, columns: 3)
    private let components = 4

    private func model() -> EnergyModel {
        scrambledModel(tinyConfig(rows: 5, columns: 3, components: components))
    }

    func testBandsAreWholeRowsCoveringTheGridInOrder() {
        XCTAssertEqual(PatchBands.split(layout, into: 2), [0..<6, 6..<15])
        XCTAssertEqual(PatchBands.split(layout, into: 3), [0..<3, 3..<9, 9..<15])
        XCTAssertEqual(PatchBands.split(layout, into: 9), PatchBands.split(layout, into: 5), "no more bands than rows")
        XCTAssertEqual(PatchBands.split(layout, into: 1), [0..<15])
        XCTAssertEqual(PatchBands.split(PatchLayout(rows: 1, columns: 7), into: 2), [0..<7])
    }

    func testBandTermsAndGradientsSumToTheWholeGrids() {
        let model = self.model()
        let frames = randomFrames(batch: 2, length: 4, layout: layout, components: components, seed: 3)
        let candidates = randomFrames(batch: 2, length: 1, layout: layout, components: components, seed: 4)
        func termsAndGradient(_ band: Range<Int>?) -> (energies: [Float], correction: [Float], gradient: [Float]) {
            withParametersFrozen {
                let context = withoutGradient { model.observe(frames, layout: layout, band: band) }
                let leaf = candidates.requiringGradient()
                let terms = model.evaluate(leaf, at: [4], context: context)
                let gradient = grad(of: terms.patchEnergies.sum(), wrt: [leaf])[0]
                return (terms.patchEnergies.scalars, terms.correction.scalars, gradient.scalars)
            }
        }
        let whole = termsAndGradient(nil)
        for bands in [PatchBands.split(layout, into: 2), PatchBands.split(layout, into: 3)] {
            let parts = bands.map { termsAndGradient($0) }
            // Band terms, [batch, 1, band patches] each, are the whole grid's columns of those patches.
            for b in 0..<2 {
                let joined = zip(bands, parts).flatMap { band, part in Array(part.energies[(b * band.count)..<((b + 1) * band.count)]) }
                assertClose(joined, Array(whole.energies[(b * 15)..<((b + 1) * 15)]), "energies of item \(b), \(bands.count) bands")
                let corrections = zip(bands, parts).flatMap { band, part in
                    Array(part.correction[(b * band.count * components)..<((b + 1) * band.count * components)])
                }
                assertClose(corrections, Array(whole.correction[(b * 60)..<((b + 1) * 60)]), "corrections of item \(b)")
            }
            let summed = parts.dropFirst().reduce(parts[0].gradient) { zip($0, $1.gradient).map(+) }
            assertClose(summed, whole.gradient, "gradient summed over \(bands.count) bands")
            // Each band's gradient reaches beyond its own patches (the row across the border).
            let first = parts[0].gradient, outside = (bands[0].upperBound * components)..<((bands[0].upperBound + layout.columns) * components)
            XCTAssertGreaterThan(outside.map { abs(first[$0]) }.max()!, 0, "a band's tokens read the row below it")
        }
    }

    func testAPredictionInBandsIsThePredictionOnOneCore() throws {
        let predictor = Predictor(network: .ebt(model()))
        let frames = randomFrames(batch: 3, length: 5, layout: layout, components: components, seed: 8)
        let actual = randomFrames(batch: 3, length: 1, layout: layout, components: components, seed: 9).reshaped([3, 60])
        let options = PredictionOptions(thinkingSteps: 3, samples: 2)
        let saved = PatchBands.cores
        defer { PatchBands.cores = saved }
        PatchBands.cores = 1
        let single = try predictor.predictNext(contexts: frames, actual: actual, layout: layout, options: options)
        PatchBands.cores = 3
        XCTAssertEqual(PatchBands.automatic(layout, batch: 6).count, 1, "bands of under minimumPatches patches are not worth a core")
        XCTAssertEqual(PatchBands.automatic(layout, batch: 30).count, 3)
        // A batch of contexts big enough to be cut: the same frames repeated ten times over.
        let many = concat(Array(repeating: frames, count: 10), axis: 0), manyActual = concat(Array(repeating: actual, count: 10), axis: 0)
        PatchBands.cores = 1
        let manySingle = try predictor.predictNext(contexts: many, actual: manyActual, layout: layout, options: options)
        PatchBands.cores = 3
        let banded = try predictor.predictNext(contexts: many, actual: manyActual, layout: layout, options: options)
        assertClose(banded.predictions.scalars, manySingle.predictions.scalars, "predictions")
        assertClose(banded.patchEnergies, manySingle.patchEnergies, "per-patch energies")
        assertClose(banded.surprisePatchEnergies, manySingle.surprisePatchEnergies, "per-patch energies of the actual frames")
        XCTAssertEqual(banded.chosenSamples, manySingle.chosenSamples)
        assertClose(Array(manySingle.predictions.scalars.prefix(180)), single.predictions.scalars, "the first three rows")
    }

    private func assertClose(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-4, what, file: file, line: line)
    }
}
