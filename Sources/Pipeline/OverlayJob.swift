import EBT
import Foundation
import PatchCodec
import Tensors
import VideoIO

/// What `ebtvid overlay` was asked to do.
public struct OverlayRequest {
    public var clip: URL
    public var output: URL
    /// Context frames (default: the model's).
    public var context: Int?
    /// Width and height of the picture in the output video.
    public var size = 256

    public init(clip: URL, output: URL) {
        self.clip = clip
        self.output = output
    }

    /// Why this request cannot run, phrased by the flag that asks for it, or nil: the one check of
    /// overlay's flag values, which the command reports as a usage error.
    public var problem: String? {
        if !(64...1024).contains(size) || size % 2 != 0 { return "--size must be an even number from 64 to 1024, got \(size)" }
        if ["csv", "json"].contains(output.pathExtension.lowercased()) {
            return "--out names the video; its scores go beside it as .csv and .json, so it cannot end in .\(output.pathExtension), got \(output.relativePath)"
        }
        return RequestChecks.context(context)
    }
}

public struct OverlayResult {
    /// Each frame's energy (the sum of its patch energies; 0 for the first, which has no context).
    public var energies: [Float]
    /// Each frame's surprise score: its energy above the energy of the model's own prediction for
    /// it (`SurpriseScore.excess`; 0 for the first frame).
    public var surpriseScores: [Double]
    /// Each frame's energies on the user-facing scale (`ErrorScale`, dB; NaN for the first
    /// frame): the PSNR the energy of the model's prediction stands for (expected), and the PSNR
    /// its surprise score stands for (the prediction as the model judges it, having seen the frame).
    public var expectedPSNR: [Double] = []
    public var surprisePSNR: [Double] = []
    /// Frames whose surprise score is an outlier for this clip.
    public var outliers: [Int]
    /// What was written: the video, then its scores (`OverlayScores`).
    public var files: [URL] = []
}

/// The clip itself, with the model's surprise drawn over it: for every frame, the energy each
/// patch gets given the frames before it, as a heat-map; under the picture the frame's
/// surprise score (its energy above the prediction's) as a gauge, its running sparkline, and a
/// red marker on frames where that score is an outlier.
public struct OverlayJob {
    public let model: ModelFile
    static let stripHeight = 48
    /// Outliers are judged from this frame on: frames 1 and 2 have too little history to show
    /// motion, so every moving clip would "surprise" there.
    public static let firstJudgedFrame = 3

    public init(model: ModelFile) { self.model = model }

    public func run(_ request: OverlayRequest) throws -> OverlayResult {
        if let problem = request.problem { throw PredictError.invalid(problem) }
        guard case .ebt = model.network else { throw PredictError.invalid("overlay needs an EBT model (a baseline has no energy)") }
        let codec = try WorkingFrames.codec(for: request.clip, model: model), grid = codec.grid
        let context = request.context ?? model.network.config.context

        // Pass 1: every frame's per-patch energy given up to `context` frames before it, and the
        // energy of the model's own prediction for it, which the surprise score is measured against.
        let usesGuesses = model.network.config.start == .motion
        let clip = try EmbeddedClip.load(request.clip, codec: codec, withGuesses: usesGuesses)
        let count = clip.frameCount, e = codec.embeddingSize, patches = grid.patchCount
        var maps = [[Float]](repeating: [Float](repeating: 0, count: patches), count: count)
        var scores = [Double](repeating: 0, count: count)
        var expectedPSNR = [Double](repeating: .nan, count: count), surprisePSNR = expectedPSNR
        let scale = model.errorScale
        let predictor = Predictor(network: model.network)
        let options = PredictionOptions(thinkingSteps: model.network.config.thinkingSteps)
        func score(_ frames: [Int], history: Int) throws {
            let windows = frames.flatMap { t in clip.embeddings[(t - history)..<t].flatMap { $0 } }
            let actual = frames.flatMap { clip.embeddings[$0] }
            let guesses = usesGuesses ? Tensor(shape: [frames.count, e], scalars: frames.flatMap { clip.guesses[$0] }) : nil
            let batch = try PredictError.naming(request.clip) {
                try predictor.predictNext(contexts: Tensor(shape: [frames.count, history, e], scalars: windows),
                                          actual: Tensor(shape: [frames.count, e], scalars: actual), guesses: guesses,
                                          layout: PatchLayout(grid), options: options)
            }
            for (i, t) in frames.enumerated() {
                maps[t] = Array(batch.surprisePatchEnergies[(i * patches)..<((i + 1) * patches)])
                scores[t] = SurpriseScore.excess(actual: batch.surpriseEnergies[i], predicted: batch.energies[i])
                expectedPSNR[t] = scale.expectedPSNR(energy: Double(batch.energies[i]), patches: patches)
                surprisePSNR[t] = scale.surprisePSNR(excess: scores[t], patches: patches)
            }
        }
        // Frames 1...context have a shorter history, so each goes alone; the rest go in batches.
        for t in (count > 1 ? Array(1...min(context, count - 1)) : []) { try score([t], history: t) }
        let full = Array((context + 1)..<max(count, context + 1))
        for chunkStart in stride(from: 0, to: full.count, by: 64) {
            try score(Array(full[chunkStart..<min(chunkStart + 64, full.count)]), history: context)
        }
        let energies = maps.map { $0.reduce(0, +) }
        let judged = min(Self.firstJudgedFrame, count)
        let outliers = SurpriseScore.outliers(Array(scores[judged...])).map { $0 + judged }
        // A robust colour range over the whole clip, so one extreme patch does not wash out the rest.
        let values = maps.dropFirst().flatMap { $0 }.sorted()
        let low = values.isEmpty ? 0 : values[values.count / 20], high = values.isEmpty ? 1 : values[min(values.count - 1, values.count * 99 / 100)]
        // The strip plots the surprise score, the quantity the outlier marker judges, over the
        // judged frames' range (the first frames' scores would squash it).
        let plotted = scores.map(Float.init), judgedScores = plotted[judged...]
        let (scoreLow, scoreHigh) = (judgedScores.min() ?? 0, judgedScores.max() ?? 1)

        // Pass 2: the clip at display size (the long side `size`, in the working frames' aspect), drawn over.
        let (width, height) = Self.displaySize(longSide: request.size, grid: grid)
        let reader = try VideoReader(url: request.clip, options: ReadOptions(width: width, height: height))
        let writer = try VideoWriter(url: request.output, width: width, height: height + Self.stripHeight,
                                     fps: reader.metadata.fps > 0 ? reader.metadata.fps : 24)
        var frame = RGBFrame(width: width, height: height)
        var t = 0
        let outlierSet = Set(outliers)
        while try reader.nextFrame(into: &frame), t < count {
            var canvas = Canvas(width: width, height: height + Self.stripHeight, gray: 16)
            canvas.draw(frame.pixels, width: width, height: height, x: 0, y: 0)
            if t > 0 { blend(maps[t], low: low, high: high, grid: grid, on: &canvas, width: width, height: height) }
            drawStrip(on: &canvas, width: width, top: height, scores: plotted, upTo: t, range: (scoreLow, scoreHigh), outliers: outlierSet)
            if outlierSet.contains(t) {
                for edge in [(0, 0, width, 4), (0, height - 4, width, 4), (0, 0, 4, height), (width - 4, 0, 4, height)] {
                    canvas.fill(x: edge.0, y: edge.1, width: edge.2, height: edge.3, color: (230, 40, 40))
                }
                PixelFont.draw("SURPRISE", on: &canvas, x: 10, y: 10, scale: 2, color: (255, 80, 80))
            }
            try canvas.pixels.withUnsafeBufferPointer { try writer.append(pixels: $0) }
            t += 1
        }
        try writer.finish()
        var result = OverlayResult(energies: energies, surpriseScores: scores, outliers: outliers)
        (result.expectedPSNR, result.surprisePSNR) = (expectedPSNR, surprisePSNR)
        result.files = [request.output] + (try OverlayScores(clip: request.clip.relativePath, result: result, errorScale: scale.origin).write(besides: request.output))
        return result
    }

    /// Even display dimensions with the long side `longSide` and the grid's aspect ratio.
    static func displaySize(longSide: Int, grid: PatchGrid) -> (width: Int, height: Int) {
        let (w, h) = (Double(grid.frameWidth), Double(grid.frameHeight))
        func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
        return w >= h ? (longSide, even(Double(longSide) * h / w)) : (even(Double(longSide) * w / h), longSide)
    }

    /// Heat blended over the picture (`HeatBlend`): more opaque where hotter, so calm regions stay visible.
    func blend(_ map: [Float], low: Float, high: Float, grid: PatchGrid, on canvas: inout Canvas, width: Int, height: Int) {
        let span = max(high - low, 1e-6)
        HeatBlend.draw(map.map { ($0 - low) / span }, rows: grid.rows, columns: grid.columns, on: &canvas, x: 0, y: 0, width: width, height: height)
    }

    /// Under the picture: the colour legend, the energy gauge and the sparkline so far.
    func drawStrip(on canvas: inout Canvas, width size: Int, top: Int, scores: [Float], upTo t: Int, range: (Float, Float), outliers: Set<Int>) {
        let span = max(range.1 - range.0, 1e-6)
        // Legend: the colour scale from low to high surprise.
        PixelFont.draw("LOW", on: &canvas, x: 4, y: top + 4, scale: 1)
        for x in 0..<64 { canvas.fill(x: 20 + x, y: top + 4, width: 1, height: 5, color: HeatColormap.color(Float(x) / 63)) }
        PixelFont.draw("HIGH", on: &canvas, x: 88, y: top + 4, scale: 1)
        // Gauge: this frame's surprise score within the clip's range, and its value.
        let level = t > 0 ? ((scores[t] - range.0) / span).clampedToUnitInterval : 0
        canvas.fill(x: 4, y: top + 14, width: size - 8, height: 6, color: (50, 50, 50))
        canvas.fill(x: 4, y: top + 14, width: Int(Float(size - 8) * level), height: 6, color: HeatColormap.color(level))
        PixelFont.draw(String(format: "SURPRISE %.2f", t > 0 ? scores[t] : 0), on: &canvas, x: size - 100, y: top + 3, scale: 1)
        // Sparkline of the scores up to now, outliers marked in red.
        let (sparkTop, sparkHeight) = (top + 24, Self.stripHeight - 28)
        let step = Float(size - 8) / Float(max(scores.count - 1, 1))
        for k in 1...max(t, 1) where k < scores.count && k <= t {
            let y = sparkTop + sparkHeight - Int(Float(sparkHeight) * ((scores[k] - range.0) / span).clampedToUnitInterval)
            let x = 4 + Int(Float(k) * step)
            let color: (UInt8, UInt8, UInt8) = outliers.contains(k) ? (240, 50, 50) : (200, 200, 200)
            canvas.fill(x: x, y: y, width: max(Int(step), 1), height: outliers.contains(k) ? 3 : 1, color: color)
        }
    }
}
