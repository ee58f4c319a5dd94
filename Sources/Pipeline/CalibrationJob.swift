import EBT
import Foundation
import PatchCodec
import Tensors

/// What `ebtvid calibrate` was asked to do.
public struct CalibrationRequest {
    public var inputs: [String]
    public var model: ModelFile
    /// One-step predictions taken from each clip, evenly spread over it.
    public var windowsPerClip = 24
    /// Every this-many-th clip is held out of the fit and scores it.
    public var heldOutEvery = 5

    public init(inputs: [String], model: ModelFile) {
        self.inputs = inputs
        self.model = model
    }
}

/// The recalibrated model and how its energy ranks errors before and after, on held-out clips.
public struct CalibrationResult {
    public var model: ModelFile
    public var clips = 0, fittedClips = 0
    public var failed: [(clip: String, reason: String)] = []
    public var fittedFrames = 0, heldOutFrames = 0
    /// Spearman, over held-out (frame, patch) pairs, of the per-patch energy at the prediction with
    /// that patch's squared embedding error; and of the frame's energy with the frame's error.
    public var patchSpearmanBefore: Double?, patchSpearmanAfter: Double?
    public var frameSpearmanBefore: Double?, frameSpearmanAfter: Double?
    public var featureWeights: [Float] = []
    /// The energy-to-PSNR lines fitted on the same frames (nil when they could not make a
    /// scale), and on held-out frames the mean absolute difference in dB between the PSNR each
    /// line gives and the measured one, with the codec's conversion and with the fit.
    public var errorScale: ErrorScale.Fit?
    public var expectedPSNRErrorBefore: Double?, expectedPSNRErrorAfter: Double?
    public var surprisePSNRErrorBefore: Double?, surprisePSNRErrorAfter: Double?
}

/// Fits an EBT's level term to the errors it makes on clips (`LevelCalibration`): predictions
/// are unchanged, the energy becomes a better estimate of each patch's error.
public enum CalibrationJob {
    public static func run(_ request: CalibrationRequest, progress: (Int, Int) -> Void = { _, _ in }) throws -> CalibrationResult {
        guard case .ebt(let model) = request.model.network else {
            throw PredictError.invalid("calibrate needs an EBT model; this one is a \(request.model.network.config.kind) model, which has no energy")
        }
        let clips = try ClipFinder.clips(in: request.inputs)
        guard !clips.isEmpty else { throw PredictError.invalid("no video files found in \(request.inputs.joined(separator: ", "))") }
        let f = LevelFeatures.count
        var fit = LevelCalibration()
        var heldOut: [Sample] = [], fitted: [Sample] = []
        var result = CalibrationResult(model: request.model)
        for (index, clip) in clips.enumerated() {
            progress(index, clips.count)
            do {
                let samples = try PredictError.naming(clip) {
                    try Self.samples(of: clip, model: model, codec: WorkingFrames.codec(for: clip, model: request.model), windows: request.windowsPerClip)
                }
                result.clips += 1
                if index % request.heldOutEvery == request.heldOutEvery - 1 {
                    heldOut += samples
                } else {
                    for sample in samples {
                        fit.add(features: sample.features, targets: zip(sample.error, sample.bowl).map { $0 - $1 })
                    }
                    fitted += samples
                    result.fittedFrames += samples.count
                    result.fittedClips += 1
                }
            } catch {
                result.failed.append((clip.relativePath, "\(error)"))
            }
        }
        progress(clips.count, clips.count)
        guard result.fittedFrames > 0 else {
            let first = result.failed.first.map { "; the first: \($0.reason)" } ?? ""
            throw PredictError.invalid("no clip outside the held-out ones gave a prediction to calibrate on (\(result.failed.count) failed, \(heldOut.count) frames held out)" + first)
        }
        let weights = try fit.solve()
        let calibrated = model.withLevel(weights)
        result.model.network = .ebt(calibrated)
        // A calibrated model is a finished one: resuming training from it would start over anyway.
        result.model.training = nil
        result.featureWeights = calibrated.levelWeights.scalars
        result.heldOutFrames = heldOut.count
        /// Each patch's energy at the prediction with the fitted level.
        func calibratedEnergies(_ sample: Sample) -> [Double] {
            sample.bowl.indices.map { p in
                Double(sample.bowl[p]) + (0..<f).reduce(0.0) { $0 + Double(sample.features[p * f + $1] * weights[$1]) }
            }
        }
        // The user-facing scale, fitted on the same frames as the level, with the level just fitted.
        func perPatch(_ sample: Sample, _ total: Double) -> Double { total / Double(sample.bowl.count) }
        if let expected = ErrorScale.Line.fit(energyPerPatch: fitted.map { perPatch($0, calibratedEnergies($0).reduce(0, +)) },
                                              meanSquaredError: fitted.map(\.pixelMSE)),
           let seen = ErrorScale.Line.fit(energyPerPatch: fitted.map { perPatch($0, $0.excess) }, meanSquaredError: fitted.map(\.pixelMSE)) {
            result.errorScale = ErrorScale.Fit(expected: expected, seen: seen)
        }
        result.model.errorScaleFit = result.errorScale
        if !heldOut.isEmpty {
            let codecScale = ErrorScale(codec: request.model.codec, fit: nil), fittedScale = result.model.errorScale
            func meanDifference(_ psnr: (Sample) -> Double) -> Double {
                heldOut.reduce(0) { $0 + Swift.abs(psnr($1) - PSNR.fromMSE($1.pixelMSE)) } / Double(heldOut.count)
            }
            result.expectedPSNRErrorBefore = meanDifference { codecScale.expectedPSNR(energy: calibratedEnergies($0).reduce(0, +), patches: $0.bowl.count) }
            result.surprisePSNRErrorBefore = meanDifference { codecScale.surprisePSNR(excess: $0.excess, patches: $0.bowl.count) }
            if result.errorScale != nil {
                result.expectedPSNRErrorAfter = meanDifference { fittedScale.expectedPSNR(energy: calibratedEnergies($0).reduce(0, +), patches: $0.bowl.count) }
                result.surprisePSNRErrorAfter = meanDifference { fittedScale.surprisePSNR(excess: $0.excess, patches: $0.bowl.count) }
            }
            let errors = heldOut.flatMap(\.error).map(Double.init)
            let before = heldOut.flatMap(\.energy).map(Double.init)
            let after = heldOut.flatMap(calibratedEnergies)
            // Frames of different clips have different patch counts.
            let bounds = heldOut.reduce(into: [0]) { $0.append($0.last! + $1.bowl.count) }
            func frameTotals(_ values: [Double]) -> [Double] {
                zip(bounds, bounds.dropFirst()).map { values[$0..<$1].reduce(0, +) }
            }
            result.patchSpearmanBefore = RankStatistics.spearman(before, errors)
            result.patchSpearmanAfter = RankStatistics.spearman(after, errors)
            result.frameSpearmanBefore = RankStatistics.spearman(frameTotals(before), frameTotals(errors))
            result.frameSpearmanAfter = RankStatistics.spearman(frameTotals(after), frameTotals(errors))
        }
        let inputs = request.inputs.joined(separator: " ")
        result.model.notes["calibration"] = "level fitted on \(result.fittedFrames) predicted frames of \(result.fittedClips) clips from \(inputs)"
        return result
    }

    /// One predicted frame, per patch: its `LevelFeatures`, the bowl, the squared error
    /// ½‖ŷ_p − y_p‖² and the model's current energy at the prediction; and for the whole frame
    /// the pixel MSE of the prediction as drawn and the surprise excess E(x, y) − E(x, ŷ), which
    /// the level cancels from, so it is the same before and after the fit.
    struct Sample {
        var features: [Float], bowl: [Float], error: [Float], energy: [Float]
        var pixelMSE: Double, excess: Double
    }

    static func samples(of clip: URL, model: EnergyModel, codec: PatchCodec, windows: Int) throws -> [Sample] {
        let config = model.config, context = config.context, e = codec.embeddingSize, patches = codec.grid.patchCount
        let layout = PatchLayout(codec.grid)
        let pixels = try FrameBatch.read(clip, grid: codec.grid, maxFrames: 100_000)
        guard pixels.frames > context else {
            throw PredictError.invalid("\(clip.relativePath): \(pixels.frames) frames, calibration needs more than the context of \(context)")
        }
        let embeddings = codec.encode(rgb: pixels.rgb, frameCount: pixels.frames)
        let available = pixels.frames - context, count = Swift.min(windows, available)
        let targets = (0..<count).map { context + $0 * available / count }
        var contexts: [Float] = [], actual: [Float] = []
        for t in targets {
            contexts += embeddings[((t - context) * e)..<(t * e)]
            actual += embeddings[(t * e)..<((t + 1) * e)]
        }
        let windowTensor = Tensor(shape: [count, context, e], scalars: contexts)
        let predictor = PixelPredictor(network: .ebt(model), codec: codec)
        let frameBytes = codec.grid.frameByteCount
        func frame(_ t: Int) -> [UInt8] { Array(pixels.rgb[(t * frameBytes)..<((t + 1) * frameBytes)]) }
        let references = targets.map { t in predictor.reference(after: [frame(Swift.max(t - 2, 0)), frame(t - 1)]) }
        let (batch, drawn) = try predictor.predictNext(contexts: windowTensor, references: references,
                                                       actual: Tensor(shape: [count, e], scalars: actual),
                                                       options: PredictionOptions(thinkingSteps: config.thinkingSteps))
        let guesses = predictor.usesGuesses
            ? FirstGuesses(positions: [context], values: Tensor(shape: [count, 1, e], scalars: codec.encode(rgb: references.flatMap { $0 }, frameCount: count)))
            : nil
        let predictions = batch.predictions.reshaped([count, 1, e])
        let (bowl, features) = withoutGradient { () -> ([Float], [Float]) in
            let observed = model.observe(windowTensor, layout: layout, guesses: guesses)
            let state = model.states(predictions, at: [context], context: observed)
            let bowl = model.bowl(of: model.corrections(predictions, states: state, at: [context], context: observed))
            return (bowl.scalars, model.levelFeatures(at: [context], context: observed).scalars)
        }
        // What the fit sums must be numbers, or the level it solves for is not one.
        try NonFiniteOutput.check(bowl, "energy bowl")
        try NonFiniteOutput.check(features, "level features")
        let predicted = batch.predictions.scalars
        let values = e / patches, f = LevelFeatures.count
        return (0..<count).map { n in
            let error = (0..<patches).map { p -> Float in
                var total: Float = 0
                for i in (n * e + p * values)..<(n * e + (p + 1) * values) { total += (predicted[i] - actual[i]) * (predicted[i] - actual[i]) }
                return 0.5 * total
            }
            let span = (n * patches)..<((n + 1) * patches)
            return Sample(features: Array(features[(n * patches * f)..<((n + 1) * patches * f)]),
                          bowl: Array(bowl[span]), error: error,
                          energy: Array(batch.patchEnergies[(n * patches)..<((n + 1) * patches)]),
                          pixelMSE: PSNR.meanSquaredError(Array(drawn[(n * frameBytes)..<((n + 1) * frameBytes)]), frame(targets[n])),
                          excess: SurpriseScore.excess(actual: batch.surpriseEnergies[n], predicted: batch.energies[n]))
        }
    }
}
