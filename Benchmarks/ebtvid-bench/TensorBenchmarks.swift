import COpenBLAS
import Foundation
import Tensors

/// Tensor engine against OpenBLAS sgemm (issue: tensors).
///
/// - `sgemm_gflops`: cblas_sgemm on 512×512×512, the peak our GEMM-bound work can reach.
/// - `transformer_fwd_bwd_gflops`: forward + backward (gradients of all weights, first order) of a
///   4-layer pre-norm transformer, width 256, 4 heads, SwiGLU hidden 683, RoPE, on batch 1 × 512
///   tokens with a causal mask. FLOPs are counted analytically from the model's matmuls
///   (2·M·N·K each; backward = 2 × forward; the masked half of attention counted too).
/// - `transformer_fwd_bwd_vs_sgemm`: the ratio of the two, measured in the same run.
/// - `ebt_double_backward_gflops`: the EBT training pattern on the same model, batch 16 × 16 tokens
///   per stream: observed stream once, two thinking steps ŷ ← ŷ − α∇ŷE with createGraph, smooth L1,
///   gradients of all weights and α. Its FLOPs are the sgemm work actually issued
///   (`GemmCounter`), as the double backward has no simple closed form.
///
/// The machine may be shared, so sgemm and the transformer are timed in alternating rounds and the
/// figures are medians over rounds: load that slows one round slows both sides of its ratio.
func runTensorBenchmarks() throws {
    let transformer = TransformerStep()
    var sgemm: [Double] = [], model: [Double] = [], ratios: [Double] = []
    for _ in 0..<7 {
        let peak = sgemmGigaflops(size: 512)
        let achieved = transformer.gigaflops()
        sgemm.append(peak)
        model.append(achieved)
        ratios.append(achieved / peak)
    }
    report("sgemm_gflops", median(sgemm))
    report("transformer_fwd_bwd_gflops", median(model))
    report("transformer_fwd_bwd_vs_sgemm", median(ratios))
    report("ebt_double_backward_gflops", energyDescentGigaflops())
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

private let (width, heads, hiddenSize, layers) = (256, 4, 683, 4)

/// Best of several timed runs, in seconds per call, after a warm-up call.
private func seconds(repeats: Int, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

private func sgemmGigaflops(size n: Int) -> Double {
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    let time = seconds(repeats: 10) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
    }
    return 2 * Double(n * n * n) / time / 1e9
}

private func makeBlocks(seed: UInt64) -> [TransformerBlock] {
    var generator = SeededGenerator(seed: seed)
    return (0..<layers).map { _ in TransformerBlock(width, heads: heads, hiddenSize: hiddenSize, using: &generator) }
}

/// One forward + backward of the 4-layer model on 1 × 512 causal tokens.
private struct TransformerStep {
    let batch = 1, length = 512
    let blocks = makeBlocks(seed: 1)
    let x: Tensor, target: Tensor

    init() {
        var generator = SeededGenerator(seed: 2)
        x = Tensor.randn([batch, length, width], using: &generator)
        target = Tensor.randn([batch, length, width], using: &generator)
    }

    func run() {
        let mask = AttentionMask.causal(length)
        let positions = Array(0..<length)
        var h = x
        for block in blocks { h = block(h, positions: positions, mask: mask) }
        _ = grad(of: mseLoss(h, target), wrt: blocks.flatMap(\.parameters))
    }

    func gigaflops() -> Double {
        let time = seconds(repeats: 2, run)
        let tokens = Double(batch * length), d = Double(width)
        let projections = 4 * 2 * tokens * d * d
        let attention = 2 * (2 * tokens * Double(length) * d)
        let feedForward = 3 * 2 * tokens * d * Double(hiddenSize)
        let forward = Double(layers) * (projections + attention + feedForward)
        return 3 * forward / time / 1e9
    }
}

private func energyDescentGigaflops() -> Double {
    let (batch, length) = (16, 16)
    let blocks = makeBlocks(seed: 3)
    var generator = SeededGenerator(seed: 4)
    let head = Linear(width, 1, using: &generator)
    let alpha = Tensor(0.1).asParameter()
    let parameters = blocks.flatMap(\.parameters) + head.parameters + [alpha]
    let observed = Tensor.randn([batch, length, width], using: &generator)
    let target = Tensor.randn([batch, length, width], using: &generator)
    let causal = AttentionMask.causal(length)
    let candidateMask = AttentionMask.additive(rows: length, columns: 2 * length) { i, j in
        j < length ? j <= i : j - length == i
    }
    func step() {
        var h = observed
        var prefixes: [KeyValues] = []
        for block in blocks {
            let (output, keyValues) = block.forward(h, positions: Array(0..<length), mask: causal)
            h = output
            prefixes.append(keyValues)
        }
        var y = observed.requiringGradient()
        for _ in 0..<2 {
            var e = y
            for (block, prefix) in zip(blocks, prefixes) {
                e = block.forward(e, positions: Array(1...length), mask: candidateMask, prefix: prefix).output
            }
            let energy = head(e).sum()
            y = y - alpha * grad(of: energy, wrt: [y], createGraph: true)[0]
        }
        _ = grad(of: smoothL1Loss(y, target), wrt: parameters)
    }
    step()
    let before = GemmCounter.floatingPointOperations
    let start = DispatchTime.now().uptimeNanoseconds
    let repeats = 5
    for _ in 0..<repeats { step() }
    let time = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return Double(GemmCounter.floatingPointOperations - before) / time / 1e9
}
