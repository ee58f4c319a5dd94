import EBT
import FileSystem
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
    /// The long side of the picture in the output video; nil draws it at the clip's own size
    /// (up to 1080p, `FullSizeRendering.size`).
    public var size: Int? = defaultSize
    /// Small enough to draw and encode at well above real time on two cores.
    public static let defaultSize = 256
    /// Read the clip as stored, not turned upright by its display matrix (`ReadOptions.keepOrientation`).
    public var keepOrientation = false

    public init(clip: URL, output: URL) {
        self.clip = clip
        self.output = output
    }

    /// Why this request cannot run, phrased by the flag that asks for it, or nil: the one check of
    /// overlay's flag values, which the command reports as a usage error.
    public var problem: String? {
        if let size, !(64...FullSizeRendering.maximumLongSide).contains(size) || size % 2 != 0 {
            return "--size must be an even number from 64 to \(FullSizeRendering.maximumLongSide), got \(size)"
        }
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
    /// Problems reading the clip that did not stop the overlay (a truncated file).
    public var warnings: [String] = []
    /// Frames that start a new shot (`SceneCuts`), marked in the video and the files.
    public var sceneCuts: [Int] = []
    /// What was written: the video, then its scores (`OverlayScores`).
    public var files: [URL] = []
}

/// The clip itself, with the model's surprise drawn over it: for every frame, each patch's
/// surprise PSNR (the PSNR its share of the surprise score stands for, `ErrorScale`) as heat on
/// the fixed dB scale of `PSNRHeat`; under the picture the frame's surprise PSNR as a gauge
/// beside the legend, its running sparkline (`OverlayStrip`), and a red frame and marker on
/// frames where the surprise score is an outlier.
public struct OverlayJob {
    public let model: ModelFile
    /// Outliers are judged from this frame on: frames 1 and 2 have too little history to show
    /// motion, so every moving clip would "surprise" there.
    public static let firstJudgedFrame = 3

    public init(model: ModelFile) { self.model = model }

    /// `progress` hears (frames done, frames to do) over both passes, scoring then drawing.
    public func run(_ request: OverlayRequest, progress: (Int, Int) -> Void = { _, _ in }) throws -> OverlayResult {
        if let problem = request.problem { throw PredictError.invalid(problem) }
        guard case .ebt = model.network else { throw PredictError.invalid("overlay needs an EBT model (a baseline has no energy)") }
        let codec = try WorkingFrames.codec(for: request.clip, model: model, keepOrientation: request.keepOrientation), grid = codec.grid
        let context = request.context ?? model.network.config.context
        // The video and its scores are one output: written aside and moved into place together,
        // and made first, so that an --out that cannot be written fails before the work.
        let scoreFiles = OverlayScores.files(besides: request.output)
        let outputs = try AtomicFileSet([request.output, scoreFiles.csv, scoreFiles.json])

        // Pass 1: every frame's per-patch energy given up to `context` frames before it, and the
        // energy of the model's own prediction for it, which the surprise score is measured against.
        let usesGuesses = model.network.config.start == .motion
        let clip = try EmbeddedClip.load(request.clip, codec: codec, withGuesses: usesGuesses, withSceneCuts: true,
                                         keepOrientation: request.keepOrientation)
        let count = clip.frameCount, e = codec.embeddingSize, patches = grid.patchCount
        var maps = [[Float]](repeating: [Float](repeating: 0, count: patches), count: count)
        // Each patch's surprise on the heat's scale: its excess read as PSNR, placed on `PSNRHeat`.
        var heat = maps
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
                let span = (i * patches)..<((i + 1) * patches)
                maps[t] = Array(batch.surprisePatchEnergies[span])
                heat[t] = zip(batch.surprisePatchEnergies[span], batch.patchEnergies[span]).map {
                    PSNRHeat.level(scale.seen.psnr(energyPerPatch: SurpriseScore.excess(actual: $0.0, predicted: $0.1)))
                }
                scores[t] = SurpriseScore.excess(actual: batch.surpriseEnergies[i], predicted: batch.energies[i])
                expectedPSNR[t] = scale.expectedPSNR(energy: Double(batch.energies[i]), patches: patches)
                surprisePSNR[t] = scale.surprisePSNR(excess: scores[t], patches: patches)
            }
        }
        // Frames 1...context have a shorter history, so each goes alone; the rest go in batches.
        let work = 2 * count
        for t in (count > 1 ? Array(1...min(context, count - 1)) : []) {
            try score([t], history: t)
            progress(t, work)
        }
        let full = Array((context + 1)..<max(count, context + 1))
        for chunkStart in stride(from: 0, to: full.count, by: 64) {
            try score(Array(full[chunkStart..<min(chunkStart + 64, full.count)]), history: context)
            progress(context + 1 + min(chunkStart + 64, full.count), work)
        }
        let energies = maps.map { $0.reduce(0, +) }
        let judged = min(Self.firstJudgedFrame, count)
        let outliers = SurpriseScore.outliers(Array(scores[judged...])).map { $0 + judged }
        // Pass 2: the clip at display size (its own, or the long side `size` in the working frames'
        // aspect), drawn over.
        let (width, height) = try request.size.map { Self.displaySize(longSide: $0, grid: grid) } ?? {
            let shown = try VideoReader(url: request.clip, options: ReadOptions(keepOrientation: request.keepOrientation)).shownSize
            return FullSizeRendering.size(clipWidth: shown.width, clipHeight: shown.height)
        }()
        let strip = OverlayStrip(width: width), ts = strip.textScale
        try outputs.writing {
            let reader = try VideoReader(url: request.clip, options: ReadOptions(width: width, height: height, keepOrientation: request.keepOrientation))
            let writer = try VideoWriter(url: outputs.file(request.output), width: width, height: height + strip.height,
                                         fps: reader.metadata.fps > 0 ? reader.metadata.fps : 24, options: .display)
            var frame = RGBFrame(width: width, height: height)
            var t = 0
            let outlierSet = Set(outliers), cutSet = Set(clip.sceneCuts)
            while try reader.nextFrame(into: &frame), t < count {
                var canvas = Canvas(width: width, height: height + strip.height, gray: 16)
                canvas.draw(frame.pixels, width: width, height: height, x: 0, y: 0)
                if t > 0 { HeatBlend.draw(heat[t], rows: grid.rows, columns: grid.columns, on: &canvas, x: 0, y: 0, width: width, height: height) }
                strip.draw(on: &canvas, top: height, frame: t, surprisePSNR: surprisePSNR, expectedPSNR: expectedPSNR, outliers: outlierSet, cuts: cutSet)
                if outlierSet.contains(t) {
                    let edge = 2 * ts
                    for (x, y, w, h) in [(0, 0, width, edge), (0, height - edge, width, edge), (0, 0, edge, height), (width - edge, 0, edge, height)] {
                        canvas.fill(x: x, y: y, width: w, height: h, color: OverlayStrip.outlierColor)
                    }
                    PixelFont.draw("SURPRISE", on: &canvas, x: 3 * edge, y: 3 * edge, scale: 2 * ts, color: (255, 80, 80))
                }
                if cutSet.contains(t) {
                    // A new shot: surprising by nature, and said so, so that its heat is not read as the model failing.
                    PixelFont.draw("SCENE CUT", on: &canvas, x: 6 * ts, y: height - 16 * ts, scale: 2 * ts, color: OverlayStrip.cutColor)
                }
                try canvas.pixels.withUnsafeBufferPointer { try writer.append(pixels: $0) }
                t += 1
                progress(count + t, work)
            }
            try writer.finish()
        }
        var result = OverlayResult(energies: energies, surpriseScores: scores, outliers: outliers, warnings: clip.warnings)
        (result.expectedPSNR, result.surprisePSNR, result.sceneCuts) = (expectedPSNR, surprisePSNR, clip.sceneCuts)
        try outputs.writing {
            _ = try OverlayScores(clip: request.clip.relativePath, result: result, errorScale: scale.origin).write(besides: outputs.file(request.output))
        }
        try outputs.commit()
        result.files = [request.output, scoreFiles.csv, scoreFiles.json]
        return result
    }

    /// Even display dimensions with the long side `longSide` and the grid's aspect ratio.
    static func displaySize(longSide: Int, grid: PatchGrid) -> (width: Int, height: Int) {
        let (w, h) = (Double(grid.frameWidth), Double(grid.frameHeight))
        return w >= h ? (longSide, FullSizeRendering.even(Double(longSide) * h / w))
                      : (FullSizeRendering.even(Double(longSide) * w / h), longSide)
    }
}
