import XCTest
import Foundation
import Tensors
@testable import EBT

/// Frames [batch, seq, patches·components] of `layout` cut to the patches in `rows` × `columns`.
func cropped(_ frames: Tensor, layout: PatchLayout, components: Int, rows: Range<Int>, columns: Range<Int>) -> Tensor {
    let (batch, length) = (frames.shape[0], frames.shape[1])
    let x = frames.scalars
    var values: [Float] = []
    for b in 0..<batch {
        for t in 0..<length {
            let base = (b * length + t) * layout.patches * components
            for y in rows {
                for c in columns {
                    let from: Int = base + (y * layout.columns + c) * components
                    values += x[from..<(from + components)]
                }
            }
        }
    }
    return Tensor(shape: [batch, length, rows.count * columns.count * components], scalars: values)
}

/// The tokens each patch reads (`PatchTokens`) and what follows from every patch being read the
/// same way: translation equivariance, a 3x3 receptive field, and one model for any grid.
final class PatchTokensTests: XCTestCase {
    // MARK: Tokens

    /// A 1x2 grid of one code per patch, [1, 3] against [0.5, 2]: every neighbourhood row repeats
    /// (there is one row of patches), the left patch's left neighbour is itself, and so is the
    /// right patch's right one.
    func testTokensOfATinyGridAreTheHandComputedDifferences() {
        let layout = PatchLayout(rows: 1, columns: 2)
        let frames = Tensor(shape: [1, 1, 2], scalars: [1, 3]), previous = Tensor(shape: [1, 1, 2], scalars: [0.5, 2])
        let tokens = PatchTokens.tokens(frames, previous: previous, layout: layout, components: 1)
        XCTAssertEqual(tokens.shape, [2, 1, PatchTokens.featureSize(components: 1)])
        XCTAssertEqual(PatchTokens.featureSize(components: 1), 18)
        // Neighbours in row-major 3x3 order (up-left … down-right): patch 0 sees 0 0 1 on every row.
        let left: [Float] = [0, 0, 2, 0, 0, 2, 0, 0, 2] + [0.5, 0.5, 1, 0.5, 0.5, 1, 0.5, 0.5, 1]
        // Patch 1 sees 0 1 1.
        let right: [Float] = [-2, 0, 0, -2, 0, 0, -2, 0, 0] + [0.5, 1, 1, 0.5, 1, 1, 0.5, 1, 1]
        XCTAssertEqual(tokens.scalars, left + right)
    }

    /// On a 3x4 grid of 2 codes per patch, in a batch of two sequences of three frames, every token
    /// is (neighbour − centre, neighbour − the neighbour's previous value) over the 3x3
    /// neighbourhood with the edge patch repeated beyond the border, neighbours major and codes minor.
    func testTokensMatchAReferenceWithEdgeReplicateBorders() {
        let layout = PatchLayout(rows: 3, columns: 4), c = 2, (batch, length) = (2, 3)
        let frames = randomFrames(batch: batch, length: length, layout: layout, components: c, seed: 1)
        let previous = randomFrames(batch: batch, length: length, layout: layout, components: c, seed: 2)
        let tokens = PatchTokens.tokens(frames, previous: previous, layout: layout, components: c)
        let size = PatchTokens.featureSize(components: c)
        XCTAssertEqual(tokens.shape, [batch * layout.patches, length, size])
        let (x, before, token) = (frames.scalars, previous.scalars, tokens.scalars)
        let e = layout.patches * c
        for b in 0..<batch {
            for p in 0..<layout.patches {
                let (y, col) = (p / layout.columns, p % layout.columns)
                for s in 0..<length {
                    let frame = (b * length + s) * e, row = ((b * layout.patches + p) * length + s) * size
                    for k in 0..<9 {
                        let ny = min(max(y + k / 3 - 1, 0), layout.rows - 1), nx = min(max(col + k % 3 - 1, 0), layout.columns - 1)
                        let n = ny * layout.columns + nx
                        for j in 0..<c {
                            XCTAssertEqual(token[row + k * c + j], x[frame + n * c + j] - x[frame + p * c + j], "spatial b\(b) p\(p) s\(s) k\(k)")
                            XCTAssertEqual(token[row + 9 * c + k * c + j], x[frame + n * c + j] - before[frame + n * c + j], "change b\(b) p\(p) s\(s) k\(k)")
                        }
                    }
                }
            }
        }
    }

    /// The observed stream reads each frame against the one before it, the first against itself
    /// (no change).
    func testTheObservedStreamReadsEachFrameAgainstThePreviousOne() {
        let config = tinyConfig(rows: 2, columns: 3)
        var generator = SeededGenerator(seed: 1)
        let backbone = Backbone(config, using: &generator), layout = config.trainingLayout, c = config.components
        let frames = randomFrames(batch: 2, length: 4, layout: layout, components: c, seed: 3)
        let previous = concat([frames.sliced(axis: 1, 0..<1), frames.sliced(axis: 1, 0..<3)], axis: 1)
        XCTAssertEqual(backbone.tokens(frames, layout: layout, components: c).scalars,
                       PatchTokens.tokens(frames, previous: previous, layout: layout, components: c).scalars)
        let first = backbone.tokens(frames, layout: layout, components: c).sliced(axis: 1, 0..<1).scalars
        let size = PatchTokens.featureSize(components: c)
        for row in 0..<(2 * layout.patches) {
            XCTAssertEqual(Array(first[(row * size + size / 2)..<((row + 1) * size)]), [Float](repeating: 0, count: size / 2))
        }
    }

    /// `framewise` puts per-patch rows [batch·patches, count, values] back in frame order.
    func testFramewiseUndoesThePerPatchLayout() {
        let (batch, patches, count, values) = (2, 3, 4, 2)
        let perPatch = Tensor(shape: [batch * patches, count, values], scalars: (0..<(batch * patches * count * values)).map(Float.init))
        let frames = PatchTokens.framewise(perPatch, batch: batch, patches: patches)
        XCTAssertEqual(frames.shape, [batch, count, patches * values])
        for b in 0..<batch { for t in 0..<count { for p in 0..<patches { for v in 0..<values {
            XCTAssertEqual(frames.scalars[((b * count + t) * patches + p) * values + v],
                           perPatch.scalars[(((b * patches + p) * count) + t) * values + v])
        } } } }
    }

    // MARK: Translation equivariance

    /// Content shifted one patch to the left gives, at every patch whose neighbourhood lies inside
    /// the grid both before and after the shift, the energy and correction the unshifted content
    /// gave one patch to the right; a thinking step moves such patches alike once they are two
    /// patches from the border (a step's gradient at a patch sums the energies of its neighbours).
    func testShiftedContentGivesShiftedEnergiesCorrectionsAndSteps() {
        let model = scrambledModel()
        let c = model.config.components
        let wide = PatchLayout(rows: 6, columns: 9), layout = PatchLayout(rows: 6, columns: 8)
        let frames = randomFrames(batch: 2, length: 5, layout: wide, components: c, seed: 31)
        let candidates = randomFrames(batch: 2, length: 3, layout: wide, components: c, seed: 32)
        let positions = [1, 3, 5]
        func terms(columns: Range<Int>) -> (energies: [Float], correction: [Float], step: [Float]) {
            let observed = cropped(frames, layout: wide, components: c, rows: 0..<6, columns: columns)
            let guesses = cropped(candidates, layout: wide, components: c, rows: 0..<6, columns: columns)
            let context = withoutGradient { model.observe(observed, layout: layout) }
            let terms = withoutGradient { model.evaluate(guesses, at: positions, context: context) }
            let thought = Thinker(model: model).infer(from: guesses, at: positions, context: context, options: ThinkingOptions(steps: 1))
            XCTAssertEqual(terms.patchEnergies.shape, [2, 3, layout.patches])
            return (terms.patchEnergies.scalars, terms.correction.scalars, thought.prediction.scalars)
        }
        let original = terms(columns: 0..<8), shifted = terms(columns: 1..<9)
        let rows = 2 * 3
        var compared = 0
        for row in 0..<rows {
            for y in 1...4 {
                for x in 1...5 {
                    // Shifted patch (y, x) holds the content of original patch (y, x + 1).
                    let p = y * layout.columns + x, q = p + 1
                    let a = shifted.energies[row * layout.patches + p], b = original.energies[row * layout.patches + q]
                    XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "energy at (\(y), \(x)), row \(row)")
                    for j in 0..<c {
                        let i = (row * layout.patches + p) * c + j, k = (row * layout.patches + q) * c + j
                        XCTAssertEqual(shifted.correction[i], original.correction[k], accuracy: 1e-4, "correction at (\(y), \(x))")
                        if (2...3).contains(y) && (2...4).contains(x) {
                            XCTAssertEqual(shifted.step[i], original.step[k], accuracy: 1e-4, "thinking step at (\(y), \(x))")
                        }
                    }
                    compared += 1
                }
            }
        }
        XCTAssertEqual(compared, rows * 20)
        // Not trivially equal: different content gives different energies.
        let interior = (0..<layout.patches).filter { (1...4).contains($0 / 8) && (2...6).contains($0 % 8) }.map { original.energies[$0] }
        XCTAssertGreaterThan(interior.max()! - interior.min()!, 1e-2)
    }

    // MARK: Any grid, 3x3 receptive field

    /// The model trained on a 2x2 grid runs on a 3x5 and a 4x4 one, energies and thinking alike,
    /// and a patch whose 3x3 neighbourhood holds the same content (in every frame and in the
    /// candidate) gets the same energy and correction in both grids, wherever it sits.
    func testOneModelRunsOnAnyGridAndAPatchSeesOnlyItsNeighbourhood() throws {
        let model = scrambledModel()
        let c = model.config.components
        let small = PatchLayout(rows: 3, columns: 5), square = PatchLayout(rows: 4, columns: 4)
        var a = randomFrames(batch: 1, length: 6, layout: small, components: c, seed: 41).scalars
        var b = randomFrames(batch: 1, length: 6, layout: square, components: c, seed: 42).scalars
        let shared = randomFrames(batch: 1, length: 6, layout: PatchLayout(rows: 3, columns: 3), components: c, seed: 43).scalars
        // Frames 0..<5 are observed, frame 5 is the candidate; the shared 3x3 block sits around
        // patch (1, 2) of the 3x5 grid and around patch (2, 1) of the 4x4 one.
        for t in 0..<6 {
            for dy in 0..<3 {
                for dx in 0..<3 {
                    for j in 0..<c {
                        let value = shared[(t * 9 + dy * 3 + dx) * c + j]
                        a[(t * small.patches + dy * small.columns + 1 + dx) * c + j] = value
                        b[(t * square.patches + (1 + dy) * square.columns + dx) * c + j] = value
                    }
                }
            }
        }
        func evaluate(_ values: [Float], _ layout: PatchLayout) -> EnergyTerms {
            let all = Tensor(shape: [1, 6, layout.patches * c], scalars: values)
            let context = withoutGradient { model.observe(all.sliced(axis: 1, 0..<5), layout: layout) }
            let terms = withoutGradient { model.evaluate(all.sliced(axis: 1, 5..<6), at: [5], context: context) }
            XCTAssertEqual(terms.patchEnergies.shape, [1, 1, layout.patches])
            XCTAssertEqual(terms.correction.shape, [1, 1, layout.patches * c])
            XCTAssertTrue(terms.patchEnergies.scalars.allSatisfy(\.isFinite))
            let thought = Thinker(model: model).infer(from: all.sliced(axis: 1, 5..<6), at: [5], context: context, options: ThinkingOptions(steps: 2))
            XCTAssertEqual(thought.prediction.shape, [1, 1, layout.patches * c])
            XCTAssertEqual(thought.patchEnergies.last!.shape, [1, 1, layout.patches])
            return terms
        }
        let (x, y) = (evaluate(a, small), evaluate(b, square))
        let (p, q) = (1 * small.columns + 2, 2 * square.columns + 1)
        XCTAssertEqual(x.patchEnergies.scalars[p], y.patchEnergies.scalars[q], accuracy: 1e-5 * max(1, abs(y.patchEnergies.scalars[q])))
        for j in 0..<c { XCTAssertEqual(x.correction.scalars[p * c + j], y.correction.scalars[q * c + j], accuracy: 1e-5) }
        // The patches around differ in content, and so in energy.
        XCTAssertGreaterThan(abs(x.patchEnergies.scalars[p + 1] - y.patchEnergies.scalars[q + 1]), 1e-4)

        // The predictor takes the grid too.
        let predictor = Predictor(network: .ebt(model))
        let history = (0..<5).map { Array(a[($0 * small.patches * c)..<(($0 + 1) * small.patches * c)]) }
        let next = try predictor.predictNext(after: history, layout: small, options: PredictionOptions(thinkingSteps: 2, samples: 2))
        XCTAssertEqual(next.embedding.count, small.patches * c)
        XCTAssertEqual(next.patchEnergies.count, small.patches)
        XCTAssertEqual(next.patchSpread.count, small.patches)
        XCTAssertEqual(try predictor.energy(of: Array(a[(5 * small.patches * c)...]), after: history, layout: small)?.patchEnergies.count, small.patches)
    }

    /// On a 5x5 grid, changing a patch's codes in every frame, observed and candidate, changes the
    /// energy of the centre patch exactly when it lies in the centre's 3x3 neighbourhood: the
    /// receptive field is that neighbourhood, whatever the length of the context. The baseline's
    /// prediction of the centre patch is as local.
    func testTheReceptiveFieldIsExactlyTheNeighbourhood() {
        let model = scrambledModel()
        var generator = SeededGenerator(seed: 50)
        let baseline = BaselineModel(tinyConfig(kind: .baseline), using: &generator)
        let c = model.config.components, layout = PatchLayout(rows: 5, columns: 5), centre = 12
        let frames = randomFrames(batch: 1, length: 6, layout: layout, components: c, seed: 51)
        func centreEnergy(_ all: Tensor) -> Float {
            let context = withoutGradient { model.observe(all.sliced(axis: 1, 0..<5), layout: layout) }
            return withoutGradient { model.patchEnergies(all.sliced(axis: 1, 5..<6), at: [5], context: context) }.scalars[centre]
        }
        func centrePrediction(_ all: Tensor) -> [Float] {
            let prediction = withoutGradient { baseline(all.sliced(axis: 1, 0..<5), layout: layout) }.scalars
            var values: [Float] = []
            for t in 0..<5 {
                let from: Int = (t * layout.patches + centre) * c
                values += prediction[from..<(from + c)]
            }
            return values
        }
        let (energy, prediction) = (centreEnergy(frames), centrePrediction(frames))
        for patch in 0..<layout.patches {
            var values = frames.scalars
            for t in 0..<6 { for j in 0..<c { values[(t * layout.patches + patch) * c + j] += 0.5 + 0.1 * Float(t + j) } }
            let changed = Tensor(shape: frames.shape, scalars: values)
            let near = abs(patch / 5 - 2) <= 1 && abs(patch % 5 - 2) <= 1
            if near {
                XCTAssertNotEqual(centreEnergy(changed), energy, "the centre ignores neighbour \(patch)")
                XCTAssertNotEqual(centrePrediction(changed), prediction, "the baseline ignores neighbour \(patch)")
            } else {
                XCTAssertEqual(centreEnergy(changed), energy, accuracy: 1e-6 * max(1, abs(energy)), "the centre sees patch \(patch)")
                for (u, v) in zip(centrePrediction(changed), prediction) { XCTAssertEqual(u, v, accuracy: 1e-6, "the baseline sees patch \(patch)") }
            }
        }
    }

    // MARK: Gradients

    /// ∇ŷE by the graph matches central differences of the energy along random directions and a
    /// few coordinates, on a 3x4 grid; and, the level being constants of the context, it is the
    /// bowl's gradient alone.
    func testEnergyGradientInTheCandidatesMatchesFiniteDifferences() {
        let scrambled = scrambledModel(), model = scrambled
        let c = model.config.components, layout = PatchLayout(rows: 3, columns: 4)
        let frames = randomFrames(batch: 2, length: 5, layout: layout, components: c, seed: 61)
        let candidates = randomFrames(batch: 2, length: 3, layout: layout, components: c, seed: 62)
        let positions = [2, 5, 5]
        let context = withoutGradient { model.observe(frames, layout: layout) }
        func energy(_ m: EnergyModel, _ x: Tensor) -> Double {
            // Summed in Double: terms the change does not reach cancel exactly.
            withParametersFrozen { withoutGradient { m.patchEnergies(x, at: positions, context: context).scalars.reduce(0.0) { $0 + Double($1) } } }
        }
        func gradient(_ m: EnergyModel, of term: (EnergyTerms) -> Tensor) -> [Float] {
            withParametersFrozen {
                let tracked = candidates.requiringGradient()
                return grad(of: term(m.evaluate(tracked, at: positions, context: context)).sum(), wrt: [tracked])[0].scalars
            }
        }
        let analytic = gradient(model) { $0.patchEnergies }
        XCTAssertGreaterThan(analytic.map { abs($0) }.max()!, 0.1, "a gradient too small to test anything")
        var generator = SeededGenerator(seed: 63)
        var directions = (0..<4).map { _ in Tensor.randn(candidates.shape, using: &generator) }
        for index in [0, 37, candidates.count - 1] {
            var unit = [Float](repeating: 0, count: candidates.count)
            unit[index] = 1
            directions.append(Tensor(shape: candidates.shape, scalars: unit))
        }
        for (n, direction) in directions.enumerated() {
            func along(_ h: Double) -> Double { energy(model, withoutGradient { candidates + direction * Float(h) }) }
            let (wide, narrow) = ((along(1e-2) - along(-1e-2)) / 2e-2, (along(5e-3) - along(-5e-3)) / 1e-2)
            let numeric = (4 * narrow - wide) / 3
            let predicted = zip(analytic, direction.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(predicted, numeric, accuracy: 1e-3 * max(abs(numeric), 1), "direction \(n)")
        }
        let full = gradient(scrambled) { $0.patchEnergies }, bowl = gradient(scrambled) { $0.bowl }
        for (u, v) in zip(full, bowl) { XCTAssertEqual(u, v, accuracy: 1e-5 * max(1, abs(v))) }
    }
}
