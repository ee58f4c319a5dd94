import Foundation
import Tensors

/// The energy and its gradient with respect to the candidates, for an EBT whose weights are
/// frozen: inference's thinking written out by hand instead of recorded on the autodiff graph.
///
/// Why: a thinking step on one candidate is a few dozen vector–matrix products of a 128-wide
/// model, and recording each op as a graph node (closures, dictionaries, reference counting, a
/// buffer per op) cost more than the arithmetic itself; under callgrind two thirds of a
/// prediction's instructions were bookkeeping. Here the weights sit in one block (query, key and
/// value side by side, gate and up side by side, so each is one product), a prediction's
/// activations in one workspace, and each op's backward pass is spelled out. The autodiff path
/// (`EnergyModel.patchEnergies` with `grad`) stays the definition: tests hold this one to its
/// energies, gradients and thinking trajectories.
final class FrozenEnergy: @unchecked Sendable {
    let config: ModelConfig
    /// α, the learned step size.
    let stepSize: Float
    private let ropeBase: Float
    private let weights: UnsafeMutablePointer<Float>
    private let input: UnsafePointer<Float>, inputBias: UnsafePointer<Float>
    private let blocks: [Block]
    private let finalGain: UnsafePointer<Float>, finalEps: Float
    private let correction: UnsafePointer<Float>, correctionBias: UnsafePointer<Float>
    private let level: UnsafePointer<Float>, levelBias: UnsafePointer<Float>
    /// The level's weights on `LevelFeatures`; nil when all are zero, which skips computing them.
    private let levelFeatureWeights: [Float]?

    private struct Block {
        let attentionGain: UnsafePointer<Float>, attentionEps: Float
        /// [width, 3·width]: query, key and value columns.
        let queryKeyValue: UnsafePointer<Float>
        let output: UnsafePointer<Float>
        let feedForwardGain: UnsafePointer<Float>, feedForwardEps: Float
        /// [width, 2·hidden]: gate and up columns.
        let gateUp: UnsafePointer<Float>
        let down: UnsafePointer<Float>
    }

    init(_ model: EnergyModel) {
        config = model.config
        stepSize = model.stepSize.item
        let featureWeights = model.levelFeatureWeights.scalars
        levelFeatureWeights = featureWeights.allSatisfy { $0 == 0 } ? nil : featureWeights
        ropeBase = model.backbone.blocks.first?.attention.ropeBase ?? 10_000
        var values: [[Float]] = []
        func columnsSideBySide(_ parts: [Tensor]) -> [Float] {
            let rows = parts[0].shape[0]
            let columns = parts.map { $0.scalars }
            var joined: [Float] = []
            joined.reserveCapacity(rows * parts.reduce(0) { $0 + $1.shape[1] })
            for row in 0..<rows {
                for (part, scalars) in zip(parts, columns) {
                    let n = part.shape[1]
                    joined += scalars[(row * n)..<((row + 1) * n)]
                }
            }
            return joined
        }
        let d = config.width
        let inputBias = zip(model.backbone.inputProjection.bias?.scalars ?? [Float](repeating: 0, count: d),
                            model.candidateMarker.scalars).map { $0 + $1 }
        values.append(model.backbone.inputProjection.weight.scalars)
        values.append(inputBias)
        for block in model.backbone.blocks {
            let attention = block.attention, feedForward = block.feedForward
            values.append(block.attentionNorm.weight.scalars)
            values.append(columnsSideBySide([attention.query.weight, attention.key.weight, attention.value.weight]))
            values.append(attention.output.weight.scalars)
            values.append(block.feedForwardNorm.weight.scalars)
            values.append(columnsSideBySide([feedForward.gate.weight, feedForward.up.weight]))
            values.append(feedForward.down.weight.scalars)
        }
        values.append(model.finalNorm.weight.scalars)
        values.append(model.correctionHead.weight.scalars)
        values.append(model.correctionHead.bias?.scalars ?? [Float](repeating: 0, count: config.embeddingSize))
        values.append(model.energyHead.weight.scalars)
        values.append(model.energyHead.bias?.scalars ?? [Float](repeating: 0, count: config.patchCount))

        let block = UnsafeMutablePointer<Float>.allocate(capacity: values.reduce(0) { $0 + $1.count })
        weights = block
        var placed: [UnsafePointer<Float>] = []
        var offset = 0
        for array in values {
            array.withUnsafeBufferPointer { (block + offset).initialize(from: $0.baseAddress!, count: $0.count) }
            placed.append(UnsafePointer(block + offset))
            offset += array.count
        }
        var next = placed.makeIterator()
        input = next.next()!
        self.inputBias = next.next()!
        blocks = model.backbone.blocks.map { block in
            Block(attentionGain: next.next()!, attentionEps: block.attentionNorm.eps, queryKeyValue: next.next()!,
                  output: next.next()!, feedForwardGain: next.next()!, feedForwardEps: block.feedForwardNorm.eps,
                  gateUp: next.next()!, down: next.next()!)
        }
        finalGain = next.next()!
        finalEps = model.finalNorm.eps
        correction = next.next()!
        correctionBias = next.next()!
        level = next.next()!
        levelBias = next.next()!
    }

    deinit { weights.deallocate() }

    /// Inference thinking, as `Thinker.think` with frozen weights and no Langevin noise: the
    /// candidates along the descent and the per-patch energies at each, the result's included.
    func think(from start: Tensor, at positions: [Int], context: ObservedContext, options: ThinkingOptions) -> Thought {
        precondition(options.langevinNoise == 0, "frozen thinking has no Langevin noise")
        let (batch, count, e) = (start.shape[0], start.shape[1], start.shape[2])
        let workspace = Workspace(self, rows: batch * count, positions: positions, context: context)
        var candidate = start.detached().scalars
        var thought = Thought(candidates: [start.detached()], patchEnergies: [])
        var gradient = [Float](repeating: 0, count: candidate.count)
        var totals: [Float] = []
        let alpha = stepSize * options.stepScale
        for _ in 0..<options.steps {
            let energies = evaluate(candidate, workspace, gradient: &gradient)
            for i in candidate.indices { candidate[i] -= alpha * gradient[i] }
            thought.patchEnergies.append(Tensor(shape: [batch, count, config.patchCount], scalars: energies))
            thought.candidates.append(Tensor(shape: [batch, count, e], scalars: candidate))
            totals.append(energies.reduce(0, +))
            if let tolerance = options.tolerance, totals.count >= 2 {
                let previous = totals[totals.count - 2], current = totals[totals.count - 1]
                if previous - current <= tolerance * Swift.abs(previous) { break }
            }
        }
        thought.patchEnergies.append(patchEnergies(candidate, workspace, batch: batch, count: count))
        return thought
    }

    /// Per-patch energies [batch, count, patches] of candidates [batch, count, embedding] at `positions`.
    func patchEnergies(_ candidates: Tensor, at positions: [Int], context: ObservedContext) -> Tensor {
        let (batch, count) = (candidates.shape[0], candidates.shape[1])
        let workspace = Workspace(self, rows: batch * count, positions: positions, context: context)
        return patchEnergies(candidates.scalars, workspace, batch: batch, count: count)
    }

    /// Per-patch energies [batch, count, patches] and the gradient of their total with respect to
    /// the candidates [batch, count, embedding]: one thinking step's work.
    func energyAndGradient(_ candidates: Tensor, at positions: [Int], context: ObservedContext) -> (patchEnergies: Tensor, gradient: Tensor) {
        let (batch, count) = (candidates.shape[0], candidates.shape[1])
        let workspace = Workspace(self, rows: batch * count, positions: positions, context: context)
        var gradient = [Float](repeating: 0, count: candidates.count)
        let energies = evaluate(candidates.scalars, workspace, gradient: &gradient)
        return (Tensor(shape: [batch, count, config.patchCount], scalars: energies), Tensor(shape: candidates.shape, scalars: gradient))
    }

    private func patchEnergies(_ candidates: [Float], _ workspace: Workspace, batch: Int, count: Int) -> Tensor {
        var unused: [Float] = []
        return Tensor(shape: [batch, count, config.patchCount], scalars: evaluate(candidates, workspace, gradient: &unused, wantsGradient: false))
    }

    /// Per-patch energies [rows × patches] of the candidates [rows × embedding] and, when
    /// `wantsGradient`, the gradient of their total with respect to the candidates.
    private func evaluate(_ candidates: [Float], _ w: Workspace, gradient: inout [Float], wantsGradient: Bool = true) -> [Float] {
        var energies = [Float](repeating: 0, count: w.rows * config.patchCount)
        candidates.withUnsafeBufferPointer { y in
            energies.withUnsafeMutableBufferPointer { energy in
                forward(y.baseAddress!, w, energies: energy.baseAddress!)
            }
        }
        if wantsGradient {
            gradient.withUnsafeMutableBufferPointer { backward(w, gradient: $0.baseAddress!) }
        }
        return energies
    }

    // MARK: forward

    private func forward(_ y: UnsafePointer<Float>, _ w: Workspace, energies: UnsafeMutablePointer<Float>) {
        let (rows, d, e, f) = (w.rows, config.width, config.embeddingSize, config.hiddenSize)
        multiplyRows(y, input, into: w.stream[0], m: rows, n: d, k: e)
        addRowwise(inputBias, to: w.stream[0], rows: rows, columns: d)
        for (l, block) in blocks.enumerated() {
            let x = w.stream[l], h = w.middle[l], qkv = w.queryKeyValue[l], gateUp = w.gateUp[l]
            normalize(x, gain: block.attentionGain, eps: block.attentionEps, rows: rows, inverse: w.attentionInverse[l], into: w.normalized)
            multiplyRows(w.normalized, block.queryKeyValue, into: qkv, m: rows, n: 3 * d, k: d)
            w.rotateQueriesAndKeys(qkv, inverse: false)
            w.attend(layer: l)
            multiplyRows(w.attended, block.output, into: h, m: rows, n: d, k: d)
            for i in 0..<(rows * d) { h[i] += x[i] }
            normalize(h, gain: block.feedForwardGain, eps: block.feedForwardEps, rows: rows, inverse: w.feedForwardInverse[l], into: w.normalized)
            multiplyRows(w.normalized, block.gateUp, into: gateUp, m: rows, n: 2 * f, k: d)
            for r in 0..<rows {
                let row = gateUp + r * 2 * f, activation = w.activation + r * f
                for i in 0..<f {
                    let gate = row[i]
                    activation[i] = gate / (1 + Foundation.exp(-gate)) * row[f + i]
                }
            }
            let out = w.stream[l + 1]
            multiplyRows(w.activation, block.down, into: out, m: rows, n: d, k: f)
            for i in 0..<(rows * d) { out[i] += h[i] }
        }
        normalize(w.stream[blocks.count], gain: finalGain, eps: finalEps, rows: rows, inverse: w.finalInverse, into: w.state)
        // Δ = ŷ − x_last − r(state); the bowl is ½‖Δ‖² per patch, the level c = state·W + b + features·a.
        multiplyRows(w.state, correction, into: w.correction, m: rows, n: e, k: d)
        for r in 0..<rows {
            let delta = w.correction + r * e, candidate = y + r * e, anchor = w.anchors + r * e
            for i in 0..<e { delta[i] = candidate[i] - anchor[i] - (delta[i] + correctionBias[i]) }
        }
        let patches = config.patchCount, values = e / patches
        multiplyRows(w.state, level, into: energies, m: rows, n: patches, k: d)
        for r in 0..<rows {
            for p in 0..<patches {
                let delta = w.correction + r * e + p * values
                var bowl: Float = 0
                for i in 0..<values { bowl += delta[i] * delta[i] }
                energies[r * patches + p] += levelBias[p] + 0.5 * bowl
            }
        }
        if let levelFeatureWeights {
            let count = LevelFeatures.count
            for i in 0..<(rows * patches) {
                for j in 0..<count { energies[i] += levelFeatureWeights[j] * w.features[i * count + j] }
            }
        }
    }

    // MARK: backward

    /// ∇ŷ of the total energy, from the activations `forward` left in the workspace. The level
    /// reads a stop-gradient copy of the state, so only the bowl sends gradient back.
    private func backward(_ w: Workspace, gradient: UnsafeMutablePointer<Float>) {
        let (rows, d, e, f) = (w.rows, config.width, config.embeddingSize, config.hiddenSize)
        // ∂E/∂ŷ directly is Δ; through the state, −Δ·W_correctionᵀ.
        gradient.update(from: w.correction, count: rows * e)
        multiplyRows(w.correction, correction, transposeB: true, into: w.scratch, m: rows, n: d, k: e)
        for i in 0..<(rows * d) { w.scratch[i] = -w.scratch[i] }
        w.gradientStream.update(repeating: 0, count: rows * d)
        normalizeBackward(w.stream[blocks.count], gain: finalGain, rows: rows, inverse: w.finalInverse,
                          outputGradient: w.scratch, accumulatingInto: w.gradientStream)
        for (l, block) in blocks.enumerated().reversed() {
            let x = w.stream[l], h = w.middle[l], gateUp = w.gateUp[l], g = w.gradientStream
            // out = h + down(silu(gate) ⊙ up): g reaches h directly and through the feed-forward.
            multiplyRows(g, block.down, transposeB: true, into: w.activation, m: rows, n: f, k: d)
            for r in 0..<rows {
                let row = gateUp + r * 2 * f, gradientRow = w.gateUpGradient + r * 2 * f, activation = w.activation + r * f
                for i in 0..<f {
                    let gate = row[i], up = row[f + i], sigma = 1 / (1 + Foundation.exp(-gate))
                    gradientRow[i] = activation[i] * up * sigma * (1 + gate * (1 - sigma))
                    gradientRow[f + i] = activation[i] * gate * sigma
                }
            }
            multiplyRows(w.gateUpGradient, block.gateUp, transposeB: true, into: w.scratch, m: rows, n: d, k: 2 * f)
            normalizeBackward(h, gain: block.feedForwardGain, rows: rows, inverse: w.feedForwardInverse[l],
                              outputGradient: w.scratch, accumulatingInto: g)
            // h = x + attention(norm(x)): g now holds ∂/∂h, which reaches x directly and through attention.
            multiplyRows(g, block.output, transposeB: true, into: w.attended, m: rows, n: d, k: d)
            w.attendBackward(layer: l)
            w.rotateQueriesAndKeys(w.queryKeyValueGradient, inverse: true)
            multiplyRows(w.queryKeyValueGradient, block.queryKeyValue, transposeB: true, into: w.scratch, m: rows, n: d, k: 3 * d)
            normalizeBackward(x, gain: block.attentionGain, rows: rows, inverse: w.attentionInverse[l],
                              outputGradient: w.scratch, accumulatingInto: g)
        }
        multiplyRows(w.gradientStream, input, transposeB: true, into: w.scratch, m: rows, n: e, k: d)
        for i in 0..<(rows * e) { gradient[i] += w.scratch[i] }
    }

    // MARK: pieces

    private func addRowwise(_ bias: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for r in 0..<rows { for i in 0..<columns { x[r * columns + i] += bias[i] } }
    }

    /// n = x · r · gain with r = 1/√(mean(x²) + ε) per row; keeps r for the backward pass.
    private func normalize(_ x: UnsafePointer<Float>, gain: UnsafePointer<Float>, eps: Float, rows: Int,
                           inverse: UnsafeMutablePointer<Float>, into n: UnsafeMutablePointer<Float>) {
        let d = config.width
        for r in 0..<rows {
            let row = x + r * d
            var squares: Float = 0
            for i in 0..<d { squares += row[i] * row[i] }
            let scale = 1 / (squares / Float(d) + eps).squareRoot()
            inverse[r] = scale
            for i in 0..<d { n[r * d + i] = row[i] * scale * gain[i] }
        }
    }

    /// Adds ∂/∂x of RMSNorm given ∂/∂n: with u = x·r and gᵤ = g ⊙ gain, r·(gᵤ − u·mean(gᵤ ⊙ u)).
    private func normalizeBackward(_ x: UnsafePointer<Float>, gain: UnsafePointer<Float>, rows: Int, inverse: UnsafePointer<Float>,
                                   outputGradient g: UnsafePointer<Float>, accumulatingInto result: UnsafeMutablePointer<Float>) {
        let d = config.width
        for r in 0..<rows {
            let row = x + r * d, gradient = g + r * d, out = result + r * d, scale = inverse[r]
            var mean: Float = 0
            for i in 0..<d { mean += gradient[i] * gain[i] * row[i] * scale }
            mean /= Float(d)
            for i in 0..<d { out[i] += scale * (gradient[i] * gain[i] - row[i] * scale * mean) }
        }
    }

    /// One evaluation's buffers and the context it attends to, reused across thinking steps.
    private final class Workspace {
        let rows: Int, width: Int, heads: Int, headSize: Int, observed: Int
        /// Each row's batch and position, and its rotation (cos, sin of `headSize/2` angles).
        let batchOfRow: [Int], positionOfRow: [Int]
        let cosines: [Float], sines: [Float]
        /// The observed stream's rotated keys and values per layer, [batch, observed, heads, headSize].
        let keys: [UnsafeMutablePointer<Float>], values: [UnsafeMutablePointer<Float>]
        /// x_last of each row, [rows, embedding], and the frame before it (x_last again at position 1).
        let anchors: UnsafeMutablePointer<Float>, previousAnchors: UnsafeMutablePointer<Float>
        /// `LevelFeatures` of the rows, [rows, patches, features]: of the context, so computed once.
        let features: UnsafeMutablePointer<Float>
        let stream: [UnsafeMutablePointer<Float>], middle: [UnsafeMutablePointer<Float>]
        let queryKeyValue: [UnsafeMutablePointer<Float>], gateUp: [UnsafeMutablePointer<Float>]
        /// Attention weights per layer, [rows, heads, observed + 1], the row's own key last.
        let weights: [UnsafeMutablePointer<Float>]
        let attentionInverse: [UnsafeMutablePointer<Float>], feedForwardInverse: [UnsafeMutablePointer<Float>]
        let finalInverse: UnsafeMutablePointer<Float>
        let normalized, attended, activation, state, correction, scratch: UnsafeMutablePointer<Float>
        let gradientStream, queryKeyValueGradient, gateUpGradient: UnsafeMutablePointer<Float>
        /// ∂/∂ of one row's attention weights for one head, [observed + 1].
        let weightGradient: UnsafeMutablePointer<Float>
        private let memory: UnsafeMutablePointer<Float>

        init(_ energy: FrozenEnergy, rows: Int, positions: [Int], context: ObservedContext) {
            let config = energy.config
            let (d, e, f, layers) = (config.width, config.embeddingSize, config.hiddenSize, config.layers)
            self.rows = rows
            width = d
            heads = config.heads
            headSize = d / config.heads
            observed = context.length
            let perBatch = positions.count
            precondition(rows % perBatch == 0 && positions.allSatisfy { (1...context.length).contains($0) },
                         "positions \(positions) outside 1...\(context.length)")
            batchOfRow = (0..<rows).map { $0 / perBatch }
            positionOfRow = (0..<rows).map { positions[$0 % perBatch] }
            let half = headSize / 2
            var cosines = [Float](repeating: 0, count: rows * half), sines = cosines
            for r in 0..<rows {
                for j in 0..<half {
                    // The same angles, in the same precision, as `rope`.
                    let angle = Double(positionOfRow[r]) * Foundation.pow(Double(energy.ropeBase), -2 * Double(j) / Double(headSize))
                    cosines[r * half + j] = Float(Foundation.cos(angle))
                    sines[r * half + j] = Float(Foundation.sin(angle))
                }
            }
            self.cosines = cosines
            self.sines = sines
            let batch = context.frames.shape[0]
            var sizes = [rows * e, rows * e, rows * config.patchCount * LevelFeatures.count]  // anchors, previous, features
            sizes += Array(repeating: batch * observed * d, count: 2 * layers)  // keys, values
            sizes += Array(repeating: rows * d, count: layers + 1)        // stream
            sizes += Array(repeating: rows * d, count: layers)            // middle
            sizes += Array(repeating: rows * 3 * d, count: layers)        // queryKeyValue
            sizes += Array(repeating: rows * 2 * f, count: layers)        // gateUp
            sizes += Array(repeating: rows * heads * (observed + 1), count: layers)  // weights
            sizes += Array(repeating: rows, count: 2 * layers + 1)        // inverses
            sizes += [rows * d, rows * d, rows * f, rows * d, rows * e, rows * Swift.max(d, e)]
            sizes += [rows * d, rows * 3 * d, rows * 2 * f, observed + 1]
            memory = .allocate(capacity: sizes.reduce(0, +))
            memory.initialize(repeating: 0, count: sizes.reduce(0, +))
            var offset = 0
            var buffers: [UnsafeMutablePointer<Float>] = []
            for size in sizes {
                buffers.append(memory + offset)
                offset += size
            }
            var next = buffers.makeIterator()
            func take(_ n: Int) -> [UnsafeMutablePointer<Float>] { (0..<n).map { _ in next.next()! } }
            anchors = next.next()!
            previousAnchors = next.next()!
            features = next.next()!
            keys = take(layers)
            values = take(layers)
            stream = take(layers + 1)
            middle = take(layers)
            queryKeyValue = take(layers)
            gateUp = take(layers)
            weights = take(layers)
            attentionInverse = take(layers)
            feedForwardInverse = take(layers)
            finalInverse = next.next()!
            (normalized, attended, activation, state, correction, scratch) = (next.next()!, next.next()!, next.next()!, next.next()!, next.next()!, next.next()!)
            (gradientStream, queryKeyValueGradient, gateUpGradient) = (next.next()!, next.next()!, next.next()!)
            weightGradient = next.next()!
            let anchorValues = context.previousFrames(at: positions).scalars
            precondition(anchorValues.count == rows * e, "\(rows) rows for \(anchorValues.count / e) anchors")
            anchorValues.withUnsafeBufferPointer { anchors.update(from: $0.baseAddress!, count: rows * e) }
            // Only a level that weighs the features needs them (models from before they existed do not).
            if energy.levelFeatureWeights != nil {
                context.previousFrames(at: positions.map { Swift.max($0 - 1, 1) }).scalars.withUnsafeBufferPointer {
                    previousAnchors.update(from: $0.baseAddress!, count: rows * e)
                }
                LevelFeatures.compute(rows: rows, embedding: e, patches: config.patchCount, columns: config.gridColumns,
                                      last: anchors, previous: previousAnchors, into: features)
            }
            // The features read the last frame; the bowl's anchor may be its extrapolation.
            if config.start != .lastFrame {
                let bowlAnchors = context.anchors(at: positions, for: config.start).scalars
                bowlAnchors.withUnsafeBufferPointer { anchors.update(from: $0.baseAddress!, count: rows * e) }
            }
            for (l, observedLayer) in context.keyValues.enumerated() {
                observedLayer.keys.withUnsafeBufferPointer { keys[l].update(from: $0.baseAddress!, count: $0.count) }
                observedLayer.values.withUnsafeBufferPointer { values[l].update(from: $0.baseAddress!, count: $0.count) }
            }
        }

        deinit { memory.deallocate() }

        /// Rotates the query and key parts of `qkv` [rows, 3·width] by each row's position, or
        /// back (the transpose, which is what the backward pass needs).
        func rotateQueriesAndKeys(_ qkv: UnsafeMutablePointer<Float>, inverse: Bool) {
            let half = headSize / 2, sign: Float = inverse ? -1 : 1
            for r in 0..<rows {
                for part in 0..<2 {
                    for h in 0..<heads {
                        let v = qkv + r * 3 * width + part * width + h * headSize
                        for j in 0..<half {
                            let c = cosines[r * half + j], s = sign * sines[r * half + j]
                            let x1 = v[j], x2 = v[j + half]
                            v[j] = x1 * c - x2 * s
                            v[j + half] = x1 * s + x2 * c
                        }
                    }
                }
            }
        }

        /// Where one (row, head) of a layer's attention reads and writes: its rotated query, own key
        /// and value, its attention weights (the own key's last), and the observed keys and values it
        /// sees (frame j's at `j * width`).
        struct Head {
            let row: Int, head: Int, visible: Int
            let query: UnsafeMutablePointer<Float>, ownKey: UnsafeMutablePointer<Float>, ownValue: UnsafeMutablePointer<Float>
            let weights: UnsafeMutablePointer<Float>
            let keys: UnsafePointer<Float>, values: UnsafePointer<Float>
        }

        func eachHead(layer: Int, _ body: (Head) -> Void) {
            let qkv = queryKeyValue[layer]
            for r in 0..<rows {
                let base = batchOfRow[r] * observed * width
                for h in 0..<heads {
                    let query = qkv + r * 3 * width + h * headSize
                    body(Head(row: r, head: h, visible: positionOfRow[r], query: query, ownKey: query + width, ownValue: query + 2 * width,
                              weights: weights[layer] + (r * heads + h) * (observed + 1),
                              keys: keys[layer] + base + h * headSize, values: values[layer] + base + h * headSize))
                }
            }
        }

        /// Each row's heads attend to the observed frames before its position and to its own key;
        /// writes `attended` [rows, width] and keeps the weights.
        func attend(layer: Int) {
            let scale = 1 / Float(headSize).squareRoot()
            eachHead(layer: layer) { head in
                let a = head.weights, own = observed
                var largest = -Float.infinity
                for j in 0..<head.visible {
                    a[j] = scale * dot(head.query, head.keys + j * width, headSize)
                    largest = Swift.max(largest, a[j])
                }
                a[own] = scale * dot(head.query, head.ownKey, headSize)
                largest = Swift.max(largest, a[own])
                var total: Float = 0
                for j in 0..<head.visible { a[j] = Foundation.exp(a[j] - largest); total += a[j] }
                a[own] = Foundation.exp(a[own] - largest)
                total += a[own]
                let out = attended + head.row * width + head.head * headSize
                for t in 0..<headSize { out[t] = 0 }
                for j in 0..<head.visible {
                    a[j] /= total
                    let v = head.values + j * width
                    for t in 0..<headSize { out[t] += a[j] * v[t] }
                }
                a[own] /= total
                for t in 0..<headSize { out[t] += a[own] * head.ownValue[t] }
            }
        }

        /// From ∂/∂attended (in `attended`) to ∂/∂ of the row's own rotated query, key and value
        /// (in `queryKeyValueGradient`); the observed keys and values are constants.
        func attendBackward(layer: Int) {
            let scale = 1 / Float(headSize).squareRoot()
            eachHead(layer: layer) { head in
                let a = head.weights, own = observed
                let g = attended + head.row * width + head.head * headSize
                let gq = queryKeyValueGradient + head.row * 3 * width + head.head * headSize
                let gk = gq + width, gv = gq + 2 * width
                // Softmax backward: ∂s_j = a_j (∂a_j − Σ_i a_i ∂a_i), with ∂a_j = g · v_j.
                let d = weightGradient
                var weighted: Float = 0
                for j in 0..<head.visible {
                    d[j] = dot(g, head.values + j * width, headSize)
                    weighted += a[j] * d[j]
                }
                d[own] = dot(g, head.ownValue, headSize)
                weighted += a[own] * d[own]
                for t in 0..<headSize { gq[t] = 0 }
                for j in 0..<head.visible {
                    let s = scale * a[j] * (d[j] - weighted)
                    let k = head.keys + j * width
                    for t in 0..<headSize { gq[t] += s * k[t] }
                }
                let ownScore = scale * a[own] * (d[own] - weighted)
                for t in 0..<headSize {
                    gq[t] += ownScore * head.ownKey[t]
                    gk[t] = ownScore * head.query[t]
                    gv[t] = a[own] * g[t]
                }
            }
        }
    }
}

@inline(__always)
private func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var total: Float = 0
    for i in 0..<count { total += a[i] * b[i] }
    return total
}
