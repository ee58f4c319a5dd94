import EBT
import FileSystem
import Foundation
import PatchCodec
import Tensors

/// What `ebtvid eval` was asked to do.
public struct EvalRequest {
    public var inputs: [String]
    public var output: URL
    public var baseline: ModelFile?
    public var horizon = 8
    /// Context frames (default: the model's).
    public var context: Int?
    public var thinkingSteps: Int?
    /// Candidates thought about per frame (System 2; `PredictionOptions.samples`).
    public var samples = 1
    /// Stop thinking once a step lowers the energy by less than this fraction (`--adaptive`).
    public var tolerance: Float?
    /// Stop at the first clip that fails instead of recording it and going on.
    public var failFast = false
    /// Evaluate only clips whose position in the sorted list is `index` modulo `count` (`--shard`):
    /// one of several evaluations, on other machines perhaps, that `eval merge` puts together.
    /// Every n-th clip rather than a block, so that folders of long and short clips spread evenly.
    public var shard: (index: Int, count: Int)?
    /// Of the shard's clips, evaluate only those whose position among them is `index` modulo
    /// `count`: one worker of `eval --jobs`. The other workers' clips are left alone, not recorded.
    public var worker: (index: Int, count: Int)?
    /// Read clips as stored, not turned upright by their display matrix (`ReadOptions.keepOrientation`).
    public var keepOrientation = false

    public init(inputs: [String], output: URL) {
        self.inputs = inputs
        self.output = output
    }

    /// Why this request cannot run, phrased by the flag that asks for it, or nil: the one check of
    /// eval's flag values, which the command reports as a usage error.
    public var problem: String? {
        if inputs.isEmpty { return "give at least one clip or folder" }
        return RequestChecks.range("--horizon", horizon, 1...256) ?? thinkingSteps.flatMap { RequestChecks.range("--think", $0, 0...1000) }
            ?? RequestChecks.context(context) ?? RequestChecks.range("--samples", samples, 1...64) ?? RequestChecks.tolerance(tolerance)
    }
}

/// Image quality of one predictor over a clip's evaluated frames.
public struct Quality: Codable, Sendable {
    public var psnr: Double
    public var ssim: Double
    public var mse: Double
    /// Mean squared error in embedding space (standardised codec coefficients).
    public var embeddingMSE: Double

    enum CodingKeys: String, CodingKey { case psnr, ssim, mse, embeddingMSE = "embedding_mse" }
}

/// Everything measured on one clip; stored as JSON in DIR/clips/ so a re-run can skip the clip.
public struct ClipEvaluation: Codable, Sendable {
    public var clip: String
    public var error: String?
    /// Frames predicted one step ahead (every frame after the first `context`).
    public var frames: Int = 0
    public var model: Quality?
    public var copyLast: Quality?
    public var linear: Quality?
    /// Motion-compensated extrapolation: `SubpixelMotion` between the last two frames, carried one frame on (the first guess a `.motion` model starts from).
    public var motion: Quality?
    public var baseline: Quality?
    /// Per evaluated frame, in order: clip frame index, final energy, surprise energy (of the actual
    /// frame), model pixel MSE, and whether the sidecar lists it as a surprise.
    public var frameIndices: [Int] = []
    public var energies: [Float] = []
    public var surpriseEnergies: [Float] = []
    public var errors: [Double] = []
    public var surprises: [Bool] = []
    /// Per evaluated frame, the energies on the user-facing scale (`ErrorScale`, dB): the PSNR the
    /// final energy stands for (expected, before the frame is seen), and the PSNR the surprise
    /// excess stands for (the model's judgement of its prediction once it sees the frame).
    public var expectedPSNR: [Double] = []
    public var surprisePSNR: [Double] = []
    /// Pixel MSE between each evaluated frame and the one before it: the no-model surprise score
    /// the energy's is judged against.
    public var frameDifferences: [Double] = []
    /// Frames of the clip that start a new shot (`SceneCuts`), evaluated or not. Cut frames stay in
    /// every figure; `EvalSummary` also gives the one-step PSNR without them.
    public var cutFrames: [Int] = []
    /// Spearman correlation, over every (frame, patch) of the clip, of the per-patch pixel error of
    /// the model's prediction with the per-patch energy at the prediction (uncertainty, before the
    /// frame is seen) and with the per-patch energy of the actual frame (surprise, after).
    public var patchUncertaintySpearman: Double?
    public var patchSurpriseSpearman: Double?
    /// The same with how far thinking moved each patch (`Predictor.patchShifts`), the map
    /// predict reports as per-patch uncertainty.
    public var patchShiftSpearman: Double?
    /// The same with how much each patch changed between the last two context frames: a map that
    /// needs no model, against which the uncertainty map is judged as the prediction is against copy-last.
    public var patchMotionSpearman: Double?
    /// Mean PSNR at each step of H-step rollouts, for the model, for copy-last and for the motion
    /// baseline (its field between the two frames before the start, applied again at each step).
    public var horizonPSNR: [Double] = []
    public var horizonPSNRCopyLast: [Double] = []
    public var horizonPSNRMotion: [Double] = []
    /// With several samples per frame: the share of frames where the sample of lowest final energy
    /// (the one kept) is also the one of lowest embedding error, and the share where the kept
    /// sample is not the model's own start.
    public var lowestEnergyIsLowestError: Double?
    public var alternativeChosen: Double?

    /// What the record's figures mean, raised whenever a predictor or score is measured
    /// differently (2: the motion baseline became sub-pixel; 3: energies also as expected and
    /// surprise PSNR, scene cuts; 4: the motion guess chooses its resampling), so that an older record is evaluated
    /// again rather than reported beside newer ones as if alike.
    public static let currentFormat = 4
    public var format: Int? = ClipEvaluation.currentFormat
    /// What the record was made from; a re-run reuses it only for the same (`EvalRecordKey`).
    public var key: EvalRecordKey?
    /// Problems reading the clip that did not stop its evaluation (a truncated file).
    public var warnings: [String] = []

    /// Whether a run that would make `key` may take this record instead: made by this format of
    /// the code from the same inputs, and not a failure (which may have been the disk's, or
    /// memory's, and is tried again).
    func isReusable(for key: EvalRecordKey?) -> Bool {
        format == Self.currentFormat && key != nil && self.key == key && error == nil
    }

    public var energyErrorSpearman: Double? {
        energies.isEmpty ? nil : RankStatistics.spearman(energies.map(Double.init), errors)
    }
    /// How surprising each actual frame was: the energy it gets above the energy of the model's
    /// own prediction (`SurpriseScore.excess`).
    public var surpriseScores: [Double] {
        guard surpriseEnergies.count == energies.count else { return [] }
        return zip(surpriseEnergies, energies).map { SurpriseScore.excess(actual: $0, predicted: $1) }
    }
    public var surpriseAUROC: Double? {
        let scores = surpriseScores
        return scores.isEmpty ? nil : RankStatistics.auroc(scores: scores, positives: surprises)
    }
    public var frameDifferenceAUROC: Double? {
        frameDifferences.count == surprises.count && !frameDifferences.isEmpty
            ? RankStatistics.auroc(scores: frameDifferences, positives: surprises) : nil
    }

    enum CodingKeys: String, CodingKey {
        case clip, error, frames, model, linear, motion, baseline, energies, errors, surprises, format, key, warnings
        case copyLast = "copy_last"
        case frameIndices = "frame_indices"
        case surpriseEnergies = "surprise_energies"
        case expectedPSNR = "expected_psnr_db"
        case surprisePSNR = "surprise_psnr_db"
        case frameDifferences = "frame_differences"
        case cutFrames = "cut_frames"
        case lowestEnergyIsLowestError = "lowest_energy_is_lowest_error"
        case alternativeChosen = "alternative_chosen"
        case patchUncertaintySpearman = "patch_uncertainty_spearman"
        case patchSurpriseSpearman = "patch_surprise_spearman"
        case patchShiftSpearman = "patch_shift_spearman"
        case patchMotionSpearman = "patch_motion_spearman"
        case horizonPSNR = "horizon_psnr"
        case horizonPSNRCopyLast = "horizon_psnr_copy_last"
        case horizonPSNRMotion = "horizon_psnr_motion"
    }
}

/// Batch evaluation over folders of clips: one-step and H-step prediction quality against
/// copy-last-frame, linear extrapolation, sub-pixel motion extrapolation and optionally a baseline
/// model, how well energy ranks errors, and how well it flags the sidecars' surprise frames.
public struct EvalJob {
    public let model: ModelFile
    /// `model.fingerprint`, computed once: every record's key holds it.
    let modelFingerprint: String

    public init(model: ModelFile) {
        self.model = model
        modelFingerprint = model.fingerprint
    }

    /// The clips `request` names and, for each clip of its shard, the key a record of it gets
    /// and the record an earlier run left that still holds for that key.
    public func survey(_ request: EvalRequest) throws -> EvalSurvey {
        if let problem = request.problem { throw PredictError.invalid(problem) }
        let clips = try ClipFinder.clips(in: request.inputs)
        guard !clips.isEmpty else { throw TrainingError.noClips("no video files found in \(request.inputs.joined(separator: ", "))") }
        let baselineFingerprint = request.baseline?.fingerprint
        let mine = clips.enumerated().filter { index, _ in request.shard.map { index % $0.count == $0.index } ?? true }
        var survey = EvalSurvey(clipCount: mine.count, totalClipCount: clips.count)
        for (position, (index, clip)) in mine.enumerated() {
            if let worker = request.worker, position % worker.count != worker.index { continue }
            let key = EvalRecordKey(clip: clip, request: request, model: model, modelFingerprint: modelFingerprint,
                                    baselineFingerprint: baselineFingerprint)
            let record = Self.record(of: clip, output: request.output)
            let stored = (try? Data(contentsOf: record)).flatMap { try? JSONDecoder().decode(ClipEvaluation.self, from: $0) }
            let reusable = stored.flatMap { $0.isReusable(for: key) ? $0 : nil }
            if stored != nil && reusable == nil { survey.outdated += 1 }
            survey.entries.append(.init(index: index, position: position, clip: clip, record: record, key: key, reusable: reusable))
        }
        return survey
    }

    /// Evaluates every clip whose record does not hold, reporting each as it finishes; returns all
    /// clips' results (reused and new). A failing clip is recorded with its error unless `failFast`.
    public func run(_ request: EvalRequest, progress: (Int, Int, ClipEvaluation, Bool) -> Void = { _, _, _, _ in }) throws -> [ClipEvaluation] {
        let survey = try survey(request)
        try Folder.create(request.output)
        try Folder.create(request.output.appendingPathComponent("clips"))
        var results: [ClipEvaluation] = []
        for entry in survey.entries {
            if let done = entry.reusable {
                results.append(done)
                progress(entry.position + 1, survey.clipCount, done, true)
                continue
            }
            var result: ClipEvaluation
            do {
                result = try PredictError.naming(entry.clip) { try evaluate(entry.clip, request: request) }
            } catch {
                if request.failFast { throw error }
                result = ClipEvaluation(clip: entry.clip.relativePath, error: "\(error)")
            }
            result.key = entry.key
            try AtomicFile.write(try JSONEncoder().encode(result), to: entry.record)
            results.append(result)
            progress(entry.position + 1, survey.clipCount, result, false)
        }
        return results
    }

    /// Where the record of `clip` is kept in an evaluation writing to `output`.
    public static func record(of clip: URL, output: URL) -> URL {
        output.appendingPathComponent("clips").appendingPathComponent(recordName(for: clip))
    }

    /// A file name unique to the clip's path, readable at a glance.
    static func recordName(for clip: URL) -> String {
        var hash = ContentHash()
        hash.add(Array(clip.standardizedFileURL.path.utf8))
        return clip.deletingPathExtension().lastPathComponent + "-" + String(hash.value % 0xFFFF_FFFF, radix: 16) + ".json"
    }

    /// The sidecar JSON of `clip`: NAME.json beside NAME.ext.
    static func sidecar(of clip: URL) -> URL { clip.deletingPathExtension().appendingPathExtension("json") }

    /// Evaluates one clip, streamed through an `EvalFrameWindow`: a first pass counts its frames
    /// (where the rollouts start depends on it), the second predicts chunk by chunk, holding only
    /// the frames a chunk looks back at besides small per-frame figures. The per-patch values behind
    /// the patch Spearman correlations are kept for every frame, since a rank correlation needs them all.
    func evaluate(_ clip: URL, request: EvalRequest) throws -> ClipEvaluation {
        let codec = try WorkingFrames.codec(for: clip, model: model, keepOrientation: request.keepOrientation), grid = codec.grid
        let context = request.context ?? model.network.config.context
        let steps = request.thinkingSteps ?? model.network.config.thinkingSteps
        let maxFrames = 100_000
        let count = try EvalFrameWindow.frameCount(of: clip, grid: grid, maxFrames: maxFrames, keepOrientation: request.keepOrientation)
        let e = codec.embeddingSize, frameBytes = grid.frameByteCount
        guard count > context else { throw PredictError.invalid("\(clip.relativePath): \(count) frames, evaluation needs more than the context of \(context)") }

        // Each predictor reads the clip through its own codec. A baseline trained on other data
        // has another codec: its predictions are decoded with it and re-encoded with the model's,
        // so every embedding MSE is measured in the same space.
        var codecs = [codec]
        var predictors = [(name: "model", predictor: PixelPredictor(network: model.network, codec: codec), codecIndex: 0)]
        if let baseline = request.baseline {
            let baselineCodec = try WorkingFrames.codec(for: clip, model: baseline, keepOrientation: request.keepOrientation)
            guard baselineCodec.grid == grid else { throw PredictError.invalid("the baseline works on other frames than the model (\(baselineCodec.grid.frameWidth)x\(baselineCodec.grid.frameHeight), patches of \(baselineCodec.grid.patchSize))") }
            if baselineCodec != codec { codecs.append(baselineCodec) }
            predictors.append(("baseline", PixelPredictor(network: baseline.network, codec: baselineCodec), codecs.count - 1))
        }

        // H-step rollouts from up to four evenly spaced starting points; their frames are kept
        // aside as the window passes them.
        let horizon = request.horizon
        let starts = count - horizon < context ? [] : Array(stride(from: context, through: count - horizon, by: max(horizon, (count - horizon - context) / 4 + 1)).prefix(4))
        var rolloutFrames = Set<Int>(), rolloutEmbeddings = Set<Int>()
        for s in starts {
            rolloutFrames.formUnion((s - context)..<(s + horizon))
            rolloutFrames.insert(max(s - 2, 0))
            rolloutEmbeddings.formUnion((s - context)..<s)
        }
        var window = try EvalFrameWindow(clip: clip, grid: grid, codecs: codecs, maxFrames: maxFrames, keepOrientation: request.keepOrientation,
                                         keepFrames: rolloutFrames, keepEmbeddings: rolloutEmbeddings)
        func frame(_ t: Int) -> [UInt8] { window.frame(t) }
        func embedding(_ t: Int) -> ArraySlice<Float> { window.embedding(t)[...] }

        var result = ClipEvaluation(clip: clip.relativePath)
        let scale = model.errorScale
        let targets = Array(context..<count)
        let surpriseFrames = Set(Self.surpriseFrames(of: clip))
        var sums: [String: (psnr: Double, ssim: Double, mse: Double, embedding: Double)] = [:]
        func add(_ name: String, _ predicted: [UInt8], _ actual: [UInt8], _ embeddingError: Double) {
            var s = sums[name] ?? (0, 0, 0, 0)
            let mse = PSNR.meanSquaredError(predicted, actual)
            s.psnr += PSNR.fromMSE(mse)
            s.ssim += SSIM.between(predicted, actual, width: grid.frameWidth, height: grid.frameHeight)
            s.mse += mse
            s.embedding += embeddingError
            sums[name] = s
        }
        func embeddingMSE(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
            zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(a.count)
        }

        // Energies are kept as the Floats they are, errors as the Doubles they are.
        var patchErrors: [Double] = [], patchEnergies: [Float] = [], patchSurprises: [Float] = [], patchShifts: [Float] = [], patchMotions: [Double] = []
        // One-step predictions for every target frame, in chunks of windows run as one batch.
        let options = PredictionOptions(thinkingSteps: steps, samples: request.samples, tolerance: request.tolerance)
        var choiceHits = 0, alternatives = 0, choices = 0
        for chunkStart in stride(from: 0, to: targets.count, by: 64) {
            let chunk = Array(targets[chunkStart..<min(chunkStart + 64, targets.count)])
            try window.read(through: chunk[chunk.count - 1])
            guard window.count > chunk[chunk.count - 1] else { throw Self.changedWhileRead(clip, frames: count, now: window.count) }
            // The motion baseline, made once: it is also the first guess of every predictor that starts from one.
            let motionFrames = chunk.map { t in MotionGuess.next(after: [frame(max(t - 2, 0)), frame(t - 1)], grid: grid)! }
            for (name, predictor, codecIndex) in predictors {
                let ownCodec = predictor.codec, width = ownCodec.embeddingSize
                var windows: [Float] = [], actual: [Float] = []
                for t in chunk {
                    for j in (t - context)..<t { windows += window.embedding(j, codec: codecIndex) }
                    actual += window.embedding(t, codec: codecIndex)
                }
                let (batch, decoded) = try predictor.predictNext(
                    contexts: Tensor(shape: [chunk.count, context, width], scalars: windows),
                    references: chunk.enumerated().map { i, t in predictor.reference(last: frame(t - 1), guess: motionFrames[i]) },
                    actual: Tensor(shape: [chunk.count, width], scalars: actual), options: options)
                let predicted = ownCodec == codec ? batch.predictions.scalars : codec.encode(rgb: decoded, frameCount: chunk.count)
                for (i, t) in chunk.enumerated() {
                    let image = Array(decoded[(i * frameBytes)..<((i + 1) * frameBytes)])
                    let truth = frame(t)
                    add(name, image, truth, embeddingMSE(predicted[(i * e)..<((i + 1) * e)], embedding(t)))
                    if name == "model", let samples = batch.samplePredictions {
                        let k = samples.shape[1], values = samples.scalars, truth = embedding(t)
                        let sampleErrors = (0..<k).map { j in embeddingMSE(values[((i * k + j) * e)..<((i * k + j + 1) * e)], truth) }
                        let lowest = sampleErrors.indices.min { sampleErrors[$0] < sampleErrors[$1] }!
                        choices += 1
                        if lowest == batch.chosenSamples[i] { choiceHits += 1 }
                        if batch.chosenSamples[i] != 0 { alternatives += 1 }
                    }
                    if name == "model" {
                        result.frameIndices.append(t)
                        result.errors.append(PSNR.meanSquaredError(image, truth))
                        result.surprises.append(surpriseFrames.contains(t))
                        result.frameDifferences.append(window.changes.previous[t])
                        if !batch.energies.isEmpty { result.energies.append(batch.energies[i]) }
                        if !batch.surpriseEnergies.isEmpty { result.surpriseEnergies.append(batch.surpriseEnergies[i]) }
                        if !batch.energies.isEmpty && !batch.surpriseEnergies.isEmpty {
                            result.expectedPSNR.append(scale.expectedPSNR(energy: Double(batch.energies[i]), patches: grid.patchCount))
                            result.surprisePSNR.append(scale.surprisePSNR(excess: SurpriseScore.excess(actual: batch.surpriseEnergies[i], predicted: batch.energies[i]),
                                                                          patches: grid.patchCount))
                        }
                        if !batch.patchEnergies.isEmpty {
                            let patches = grid.patchCount, span = (i * patches)..<((i + 1) * patches)
                            patchErrors += PatchErrors.meanSquared(image, truth, grid: grid)
                            patchEnergies += batch.patchEnergies[span]
                            patchSurprises += batch.surprisePatchEnergies[span]
                            patchShifts += batch.patchShifts[span]
                            patchMotions += PatchErrors.meanSquared(frame(t - 1), frame(max(t - 2, 0)), grid: grid)
                        }
                    }
                }
            }
            for t in chunk {
                add("copyLast", frame(t - 1), frame(t), embeddingMSE(embedding(t - 1), embedding(t)))
                let before = t >= 2 ? t - 2 : t - 1
                let extrapolated = zip(frame(t - 1), frame(before)).map { UInt8(max(0, min(255, 2 * Int($0) - Int($1)))) }
                let extrapolatedEmbedding = zip(embedding(t - 1), embedding(before)).map { 2 * $0 - $1 }
                add("linear", extrapolated, frame(t), embeddingMSE(extrapolatedEmbedding[...], embedding(t)))
            }
            let motionEmbeddings = codec.encode(rgb: motionFrames.flatMap { $0 }, frameCount: chunk.count)
            for (i, t) in chunk.enumerated() {
                add("motion", motionFrames[i], frame(t),
                    embeddingMSE(motionEmbeddings[(i * e)..<((i + 1) * e)], embedding(t)))
            }
            // The next chunk looks back `context` embeddings and two frames from its first target.
            window.drop(before: chunk[chunk.count - 1] + 1 - max(context, 2))
        }
        // One frame past the count, to find a clip that grew since it was counted.
        try window.read(through: count)
        guard window.count == count else { throw Self.changedWhileRead(clip, frames: count, now: window.count) }
        result.warnings = window.warnings
        result.cutFrames = window.changes.cuts

        let n = Double(targets.count)
        func quality(_ name: String) -> Quality? {
            sums[name].map { Quality(psnr: $0.psnr / n, ssim: $0.ssim / n, mse: $0.mse / n, embeddingMSE: $0.embedding / n) }
        }
        result.frames = targets.count
        if choices > 0 {
            result.lowestEnergyIsLowestError = Double(choiceHits) / Double(choices)
            result.alternativeChosen = Double(alternatives) / Double(choices)
        }
        if !patchEnergies.isEmpty {
            result.patchUncertaintySpearman = RankStatistics.spearman(patchEnergies.map(Double.init), patchErrors)
            result.patchSurpriseSpearman = RankStatistics.spearman(patchSurprises.map(Double.init), patchErrors)
            result.patchShiftSpearman = RankStatistics.spearman(patchShifts.map(Double.init), patchErrors)
            result.patchMotionSpearman = RankStatistics.spearman(patchMotions, patchErrors)
        }
        result.model = quality("model")
        result.copyLast = quality("copyLast")
        result.linear = quality("linear")
        result.motion = quality("motion")
        result.baseline = quality("baseline")

        if !starts.isEmpty {
            var modelPSNR = [Double](repeating: 0, count: horizon), copyPSNR = modelPSNR, motionPSNR = modelPSNR
            let predictor = PixelPredictor(network: model.network, codec: codec)
            func kept(_ t: Int) -> [UInt8] { window.keptFrames[t]! }
            for s in starts {
                let history = (s - context..<s).map { window.keptEmbeddings[$0]! }
                let rollout = try predictor.rollout(frames: (s - context..<s).map(kept), embeddings: history, horizon: horizon, options: options)
                let last = kept(s - 1)
                for (k, step) in rollout.enumerated() {
                    modelPSNR[k] += PSNR.between(step.pixels, kept(s + k))
                    copyPSNR[k] += PSNR.between(last, kept(s + k))
                }
                let motion = SubpixelMotion.rollout(previous: kept(max(s - 2, 0)), last: last, width: grid.frameWidth, height: grid.frameHeight, horizon: horizon)
                for (k, picture) in motion.enumerated() { motionPSNR[k] += PSNR.between(picture, kept(s + k)) }
            }
            result.horizonPSNR = modelPSNR.map { $0 / Double(starts.count) }
            result.horizonPSNRCopyLast = copyPSNR.map { $0 / Double(starts.count) }
            result.horizonPSNRMotion = motionPSNR.map { $0 / Double(starts.count) }
        }
        return result
    }

    /// The clip delivered another number of frames than when it was counted: it changed on disk.
    static func changedWhileRead(_ clip: URL, frames: Int, now: Int) -> PredictError {
        .invalid("\(clip.relativePath): read \(now) frames after counting \(frames); the file changed while it was evaluated")
    }

    /// Surprise frame indices from the clip's sidecar JSON (NAME.json beside NAME.ext), if any.
    static func surpriseFrames(of clip: URL) -> [Int] {
        guard let data = try? Data(contentsOf: sidecar(of: clip)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return object["surprise_frames"] as? [Int] ?? []
    }
}
