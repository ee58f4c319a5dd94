import EBT
import FileSystem
import Foundation
import PatchCodec
import VideoIO

/// What `ebtvid predict` was asked to do.
public struct PredictRequest {
    public var clip: URL
    public var output: URL
    /// Context frames (default: the model's training context).
    public var context: Int?
    public var horizon = 8
    /// First frame of the window; nil takes the last context + horizon frames of the clip, so that
    /// ground truth exists when the clip is long enough.
    public var start: Int?
    public var options: PredictionOptions
    /// Video panels are the model's frames enlarged this many times; nil enlarges them to at
    /// least `PredictionVideo.minimumPanelSide` pixels on the long side.
    public var scale: Int?
    /// Read the clip as stored, not turned upright by its display matrix (`ReadOptions.keepOrientation`).
    public var keepOrientation = false

    public init(clip: URL, output: URL, options: PredictionOptions) {
        self.clip = clip
        self.output = output
        self.options = options
    }

    /// Why this request cannot run, phrased by the flag that asks for it, or nil: the one check of
    /// predict's flag values, which the command reports as a usage error.
    public var problem: String? {
        RequestChecks.context(context) ?? RequestChecks.range("--horizon", horizon, 1...1000)
            ?? RequestChecks.range("--think", options.thinkingSteps, 0...1000) ?? RequestChecks.range("--samples", options.samples, 1...256)
            ?? RequestChecks.tolerance(options.tolerance) ?? start.flatMap { RequestChecks.range("--start", $0, 0...Int.max) }
            ?? scale.flatMap { RequestChecks.range("scale", $0, 1...16) }
    }
}

/// One predicted frame's record in frames.json / frames.csv.
public struct PredictedFrame: Codable {
    public var index: Int
    public var step: Int
    public var energyTrace: [Float]
    public var energy: Float?
    public var uncertainty: Float?
    /// The PSNR (dB) the final energy stands for (`ErrorScale`): the uncertainty on a scale
    /// comparable across clips and models, to set beside the measured `psnr`.
    public var expectedPSNR: Double?
    public var psnr: Double?
    public var ssim: Double?
    public var mse: Double?
    public var copyLastPSNR: Double?
    public var copyLastSSIM: Double?
    public var copyLastMSE: Double?
    /// PSNR (dB) of the prediction drawn at the clip's own resolution (`FullSizeRendering`), and
    /// of copy-last there.
    public var fullSizePSNR: Double?
    public var copyLastFullSizePSNR: Double?
    /// The final energy split by patch (row-major over the patch grid): where the model is unsure,
    /// the per-patch uncertainty map (its level is calibrated to the error: `ebtvid calibrate`).
    public var patchEnergies: [Float]
    /// Each patch's spread across thinking samples (with --samples > 1).
    public var patchSpread: [Float]
    /// How far thinking moved each patch from the last frame: where the model expects change.
    public var patchShift: [Float] = []

    enum CodingKeys: String, CodingKey {
        case index, step, energy, uncertainty, psnr, ssim, mse
        case expectedPSNR = "expected_psnr_db"
        case patchEnergies = "patch_energies"
        case patchSpread = "patch_spread"
        case patchShift = "patch_shift"
        case energyTrace = "energy_trace"
        case copyLastPSNR = "copy_last_psnr"
        case copyLastSSIM = "copy_last_ssim"
        case copyLastMSE = "copy_last_mse"
        case fullSizePSNR = "full_size_psnr"
        case copyLastFullSizePSNR = "copy_last_full_size_psnr"
    }
}

public struct PredictResult {
    public var frames: [PredictedFrame]
    /// Scene cuts inside the window (clip frame indices), and what a person should know about
    /// the window: that it was moved inside one shot (notes), or that it crosses a cut or the clip
    /// is truncated (warnings).
    public var sceneCuts: [Int]
    public var notes: [String]
    public var warnings: [String]
    /// How the expected PSNR was made from the energy (`ErrorScale.origin`).
    public var scale: String
    public var contextRange: Range<Int>
    public var files: [URL]
}

public enum PredictError: Error, CustomStringConvertible {
    case tooShort(String, frames: Int)
    case invalid(String)
    /// The model's numbers overflowed on this clip.
    case nonFinite(String, NonFiniteOutput)

    public var description: String {
        switch self {
        case .tooShort(let path, let frames): return "\(path): only \(frames) frame(s); prediction needs at least 2"
        case .invalid(let why): return why
        case .nonFinite(let path, let output): return "\(path): \(output)"
        }
    }

    /// Runs `body`, the work on `clip`, so that a non-finite prediction names the clip it happened on.
    static func naming<T>(_ clip: URL, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as NonFiniteOutput { throw PredictError.nonFinite(clip.relativePath, error) }
    }
}

/// Predicts the next frames of a window of a clip and writes the video, the per-frame records
/// and the predicted frames; the folder of them appears only once all are complete.
public struct PredictJob {
    public let model: ModelFile

    public init(model: ModelFile) { self.model = model }

    public func run(_ request: PredictRequest) throws -> PredictResult {
        let codec = try WorkingFrames.codec(for: request.clip, model: model, keepOrientation: request.keepOrientation), grid = codec.grid
        if let problem = request.problem { throw PredictError.invalid(problem) }
        // Made first, so an --out that cannot be written fails before the work.
        let folder = try AtomicDirectory(url: request.output, replaceableNames: Self.outputNames)
        let contextLength = request.context ?? model.network.config.context

        // The window: context frames then (when the clip has them) the true next frames.
        let read = try readWindow(request, grid: grid, length: contextLength + request.horizon)
        let (window, first, fps) = (read.frames, read.first, read.fps)
        let available = window.count
        guard available >= 2 else { throw PredictError.tooShort(request.clip.relativePath, frames: available) }
        let contextCount = min(contextLength, available - (available > contextLength ? 0 : 1))
        let truth = Array(window[contextCount...])
        let contextFrames = Array(window[..<contextCount])

        let embeddings = contextFrames.map { codec.encode(rgb: $0, frameCount: 1) }
        let pixelPredictor = PixelPredictor(network: model.network, codec: codec)
        let field = pixelPredictor.rolloutField(frames: contextFrames)
        let rollout = try PredictError.naming(request.clip) {
            try pixelPredictor.rollout(frames: contextFrames, embeddings: embeddings, field: field, horizon: request.horizon, options: request.options)
        }
        let predictions = rollout.map(\.prediction), predicted = rollout.map(\.pixels)


        let scale = model.errorScale
        var records: [PredictedFrame] = []
        for (step, prediction) in predictions.enumerated() {
            var record = PredictedFrame(index: first + contextCount + step, step: step + 1, energyTrace: prediction.energyTrace,
                                        energy: prediction.energy, uncertainty: prediction.energy,
                                        patchEnergies: prediction.patchEnergies, patchSpread: prediction.patchSpread)
            record.patchShift = prediction.patchShift
            record.expectedPSNR = prediction.energy.map { scale.expectedPSNR(energy: Double($0), patches: grid.patchCount) }
            if step < truth.count {
                let actual = truth[step], copyLast = contextFrames[contextFrames.count - 1]
                record.psnr = PSNR.between(predicted[step], actual)
                record.ssim = SSIM.between(predicted[step], actual, width: grid.frameWidth, height: grid.frameHeight)
                record.mse = PSNR.meanSquaredError(predicted[step], actual)
                record.copyLastPSNR = PSNR.between(copyLast, actual)
                record.copyLastSSIM = SSIM.between(copyLast, actual, width: grid.frameWidth, height: grid.frameHeight)
                record.copyLastMSE = PSNR.meanSquaredError(copyLast, actual)
            }

            records.append(record)
        }

        let captions = records.map {
            PredictionVideo.Caption(index: $0.index, energy: $0.energy, psnr: $0.psnr, expectedPSNR: $0.expectedPSNR,
                                    patchPSNR: $0.patchEnergies.map { scale.expected.psnr(energyPerPatch: Double($0)) })
        }
        // The five files are one output: written into a hidden folder that replaces an older
        // run's only when all are complete.
        try folder.writing {
            try PredictionVideo(grid: grid, fps: fps, scale: request.scale)
                .write(to: folder.file(Self.videoName), context: contextFrames, firstIndex: first, predicted: predicted, truth: truth, captions: captions)
            try NpyWriter.write(predicted.flatMap { $0 }, shape: [predicted.count, grid.frameHeight, grid.frameWidth, 3], to: folder.file(Self.framesName))
            let rendering = FullSizeRendering(clipWidth: read.clipWidth, clipHeight: read.clipHeight,
                                              workingWidth: grid.frameWidth, workingHeight: grid.frameHeight)
            let scores = try Self.writeContinuation(to: folder.file(Self.continuationName), clip: request.clip, rendering: rendering,
                                                    fps: fps, first: first, contextCount: contextCount, available: available,
                                                    keepOrientation: request.keepOrientation,
                                                    field: field, rollout: rollout)
            for (step, score) in scores.enumerated() {
                (records[step].fullSizePSNR, records[step].copyLastFullSizePSNR) = (score.model, score.copyLast)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(records), to: folder.file(Self.recordsName))
            try AtomicFile.write(Data(Self.csv(records).utf8), to: folder.file(Self.tableName))
        }
        try folder.commit()
        let files = [Self.videoName, Self.continuationName, Self.recordsName, Self.tableName, Self.framesName].map { request.output.appendingPathComponent($0) }
        return PredictResult(frames: records, sceneCuts: read.cuts, notes: read.notes, warnings: read.warnings, scale: scale.origin,
                             contextRange: first..<(first + contextCount), files: files)
    }

    /// The frames a prediction runs on: `frames` from clip frame `first` on, at `fps`, and the
    /// scene cuts inside it (clip frame indices) with what the window did about them.
    struct Window {
        var frames: [[UInt8]]
        var first: Int
        var fps: Double
        /// The clip's own frame size, as its frames are read (upright unless kept as stored).
        var clipWidth: Int
        var clipHeight: Int
        var cuts: [Int] = []
        /// That the window was moved inside one shot; that it crosses a cut.
        var notes: [String] = []
        var warnings: [String] = []
    }

    static let videoName = "prediction.mp4", framesName = "prediction.npy", recordsName = "frames.json", tableName = "frames.csv"
    /// The context then the predictions, at the clip's own resolution, as a plain video.
    static let continuationName = "continuation.mp4"
    /// What a predict output folder holds, so an earlier run's folder may be replaced.
    public static let outputNames: Set<String> = [videoName, continuationName, framesName, recordsName, tableName]

    /// Writes the continuation: the clip's context frames at the rendering's size, then the
    /// rollout drawn there (`FullSizeRendering`), streaming, so that only the frame drawn last and
    /// the one being read are held at that size. Returns, for each step whose true frame the clip
    /// has, the PSNR of the drawn prediction and of copy-last against it.
    static func writeContinuation(to url: URL, clip: URL, rendering: FullSizeRendering, fps: Double, first: Int,
                                  contextCount: Int, available: Int, keepOrientation: Bool, field: SubpixelField?,
                                  rollout: [(prediction: FramePrediction, pixels: [UInt8], reference: [UInt8])])
        throws -> [(model: Double, copyLast: Double)] {
        let reader = try VideoReader(url: clip, options: ReadOptions(width: rendering.width, height: rendering.height, start: first,
                                                                      maxFrames: available, keepOrientation: keepOrientation))
        let writer = try VideoWriter(url: url, width: rendering.width, height: rendering.height, fps: fps, options: .display)
        var frame = RGBFrame(width: rendering.width, height: rendering.height)
        func nextFrame() throws -> [UInt8]? { try reader.nextFrame(into: &frame) ? frame.pixels : nil }
        var lastContext: [UInt8]?
        for _ in 0..<contextCount {
            guard let context = try nextFrame() else {
                throw PredictError.invalid("\(clip.relativePath): its context frames do not decode again at \(rendering.width)x\(rendering.height)")
            }
            try context.withUnsafeBufferPointer { try writer.append(pixels: $0) }
            lastContext = context
        }
        var scores: [(model: Double, copyLast: Double)] = []
        var latest = lastContext!
        for step in rollout {
            latest = rendering.next(after: latest, field: field, reference: step.reference, prediction: step.pixels)
            try latest.withUnsafeBufferPointer { try writer.append(pixels: $0) }
            if let truth = try nextFrame() {
                scores.append((PSNR.between(latest, truth), PSNR.between(lastContext!, truth)))
            }
        }
        try writer.finish()
        return scores
    }

    /// Reads the requested window at the codec's frame size, streaming: only `length` frames are
    /// ever held. The default window, the clip's last `length` frames, is moved back inside one
    /// shot when a scene cut (`SceneCuts`) falls in it and an earlier shot is long enough; a
    /// window that still crosses a cut says so, since its truth is then another shot.
    func readWindow(_ request: PredictRequest, grid: PatchGrid, length: Int) throws -> Window {
        var (window, allCuts) = try readFrames(request, grid: grid, start: request.start ?? 0, length: length, limited: request.start != nil)
        let path = request.clip.relativePath
        if request.start == nil, let cut = window.cuts.last {
            // The latest shot long enough for a whole window; the window ends where the next shot begins.
            let shots = zip([0] + allCuts, allCuts)
            if let end = shots.reversed().first(where: { $0.1 - $0.0 >= length })?.1 {
                window = try readFrames(request, grid: grid, start: end - length, length: length, limited: true).window
                window.notes = ["\(path): its last \(length) frames cross a scene cut at frame \(cut); predicting from frames "
                                + "\(end - length)...\(end - 1), inside one shot, instead (--start picks the window)"]
                return window
            }
        }
        if let cut = window.cuts.first {
            window.warnings.append("\(path): the window (frames \(window.first)...\(window.first + window.frames.count - 1)) crosses a scene cut "
                                + "at frame \(cut): the frames after it are another shot")
        }
        return window
    }

    /// The last `length` frames from `start` on (only `length` when `limited`), with the cuts in
    /// them and every cut the read passed, as clip frame indices.
    func readFrames(_ request: PredictRequest, grid: PatchGrid, start: Int, length: Int, limited: Bool) throws -> (window: Window, allCuts: [Int]) {
        let reader = try VideoReader(url: request.clip, options: ReadOptions(width: grid.frameWidth, height: grid.frameHeight, start: start,
                                                                              maxFrames: limited ? length : nil, keepOrientation: request.keepOrientation))
        var frames: [[UInt8]] = []
        var seen = 0
        var frame = RGBFrame(width: grid.frameWidth, height: grid.frameHeight)
        var changes = SceneCuts()
        while try reader.nextFrame(into: &frame) {
            frames.append(frame.pixels)
            changes.add(frame.pixels)
            seen += 1
            if frames.count > length { frames.removeFirst() }
        }
        let first = start + seen - frames.count
        let allCuts = changes.cuts.map { $0 + start }
        let window = Window(frames: frames, first: first, fps: reader.metadata.fps > 0 ? reader.metadata.fps : 24,
                            clipWidth: reader.shownSize.width, clipHeight: reader.shownSize.height,
                            cuts: SceneCuts.crossing(first..<(first + frames.count), cuts: allCuts), warnings: reader.warnings)
        return (window, allCuts)
    }

    static func csv(_ records: [PredictedFrame]) -> String {
        func cell(_ value: Double?) -> String { value.map { String(format: "%.6g", $0) } ?? "" }
        func cell(_ value: Float?) -> String { value.map { String(format: "%.6g", $0) } ?? "" }
        var lines = ["index,step,energy,uncertainty,expected_psnr_db,psnr,ssim,mse,copy_last_psnr,copy_last_ssim,copy_last_mse,full_size_psnr,copy_last_full_size_psnr,energy_trace"]
        for r in records {
            lines.append([String(r.index), String(r.step), cell(r.energy), cell(r.uncertainty), cell(r.expectedPSNR), cell(r.psnr), cell(r.ssim), cell(r.mse),
                          cell(r.copyLastPSNR), cell(r.copyLastSSIM), cell(r.copyLastMSE),
                          cell(r.fullSizePSNR), cell(r.copyLastFullSizePSNR),
                          r.energyTrace.map { String(format: "%.6g", $0) }.joined(separator: " ")].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
