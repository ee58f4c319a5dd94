import EBT
import Foundation
import Tensors

/// The EBT's training and inference speed (issues: EBT training, predict), on the default model's
/// recipe (`make default-model`): the tiny EBT — width 64, 2 layers, 2 heads, SwiGLU hidden 176,
/// 120,275 parameters — with context 4, 2 thinking steps from the motion first guess, trained on
/// batches of 16 windows of 5 frames (context 4 + 1) of an 8x8-patch crop with 16 codes per patch:
/// windows and first guesses [16, 5, 1024].
///
/// - `ebt_train_samples_per_s`: full training steps of our recipe (observed stream once, two
///   thinking steps with exact second-order gradients, the landscape and calibration terms with
///   their first-order pass at the neighbour of the prediction, AdamW), in windows per second.
/// - `ebt_train_gflops`: the sgemm work those steps issue, per second.
/// - `ebt_train_samples_per_s_reference_recipe` and `ebt_train_gflops_reference_recipe`: the same
///   with the landscape and calibration weights 0 (the thinking loss alone): the recipe the
///   PyTorch peer runs.
/// - `ebt_train_data_parallel_speedup`: reference-recipe windows per second with the batch split
///   into two halves run side by side over the same with the batch run whole.
/// - `ebt_train_parameters` and `ebt_train_gemm_gflop_per_step_reference_recipe`: the model's size
///   and the sgemm work of one reference-recipe step, to check the peer against.
/// - `pytorch_reference_train_samples_per_s` and `ebt_train_reference_recipe_vs_pytorch`: the same
///   model and step in PyTorch (Benchmarks/pytorch-peer), and ours over it;
///   `pytorch_reference_train_parameters` and `pytorch_reference_train_gemm_gflop_per_step` are the
///   peer's own count of the same two things. Skipped, with a line on stderr, when PyTorch is not
///   installed.
/// Each training figure is the median of three rounds of 12 steps, the kinds alternating.
/// - `predict_next_frame_ms`: one next frame on the default working grid, 128x96 (16 x 12 = 192
///   patches, 3072 values a frame), from a 16-frame context (the model reads its last 4) and a first
///   guess, with 8 thinking steps, observed stream included, median of 50, thinking in bands of
///   the grid as predict does (`PatchBands`, one per core).
/// - `predict_next_frame_banded_speedup`: the same on one core over in bands, alternating.
///
/// `EBTVID_BENCH_QUICK=1` runs one round of 3 steps and 10 predictions instead: a quick look on a
/// busy machine, not the figures.
func runModelBenchmarks() throws {
    let quick = ProcessInfo.processInfo.environment["EBTVID_BENCH_QUICK"] == "1"
    let (rounds, steps, predictions) = quick ? (1, 3, 10) : (3, 12, 50)
    var (trainer, batches, _) = makeTrainer()
    for batch in batches.prefix(2) { _ = trainer.step(batch.windows, guesses: batch.guesses) }  // warm-up: allocator and thread pools
    // The reference recipe, thinking loss only (no landscape or calibration pass), on the same
    // model and batches: the figure comparable with the PyTorch peer.
    var reference = trainer
    reference.options.landscapeWeight = 0
    reference.options.calibrationWeight = 0
    _ = reference.step(batches[0].windows, guesses: batches[0].guesses)
    // The same with the batch run whole (every op split over both cores) instead of as two
    // half-batches side by side.
    var whole = reference
    whole.shards = 1
    _ = whole.step(batches[0].windows, guesses: batches[0].guesses)
    // Rounds alternate the kinds, so the machine's load (it varies ±20% here) falls on all alike;
    // each figure is their median.
    var full: [Throughput] = [], thinkingOnly = full, wholeBatch = full
    var pytorch: [PeerRun] = []
    for round in 0..<rounds {
        full.append(trainingThroughput(&trainer, batches, steps: steps))
        thinkingOnly.append(trainingThroughput(&reference, batches, steps: steps))
        wholeBatch.append(trainingThroughput(&whole, batches, steps: steps))
        if round == 0 || !pytorch.isEmpty, let peer = pytorchPeer(steps: steps) { pytorch.append(peer) }
    }
    func median(_ runs: [Throughput]) -> Throughput {
        runs.sorted { $0.samplesPerSecond < $1.samplesPerSecond }[runs.count / 2]
    }
    report("ebt_train_samples_per_s", median(full).samplesPerSecond, decimals: 1)
    report("ebt_train_gflops", median(full).gflops, decimals: 1)
    report("ebt_train_samples_per_s_reference_recipe", median(thinkingOnly).samplesPerSecond, decimals: 1)
    report("ebt_train_gflops_reference_recipe", median(thinkingOnly).gflops, decimals: 1)
    report("ebt_train_data_parallel_speedup", median(thinkingOnly).samplesPerSecond / median(wholeBatch).samplesPerSecond)
    report("ebt_train_parameters", Double(trainer.model.parameterCount), decimals: 0)
    report("ebt_train_gemm_gflop_per_step_reference_recipe", median(thinkingOnly).gflopPerStep)
    if pytorch.count == rounds {
        let peer = pytorch.sorted { $0.windowsPerSecond < $1.windowsPerSecond }[rounds / 2]
        report("pytorch_reference_train_samples_per_s", peer.windowsPerSecond, decimals: 1)
        report("ebt_train_reference_recipe_vs_pytorch", median(thinkingOnly).samplesPerSecond / peer.windowsPerSecond)
        if let parameters = peer.parameters { report("pytorch_reference_train_parameters", Double(parameters), decimals: 0) }
        if let flop = peer.gflopPerStep { report("pytorch_reference_train_gemm_gflop_per_step", flop) }
    }

    try runPredictionBenchmarks(runs: predictions)
}

/// The prediction figures of the model group alone (`ebtvid-bench predict`).
func runPredictionBenchmarks() throws {
    try runPredictionBenchmarks(runs: ProcessInfo.processInfo.environment["EBTVID_BENCH_QUICK"] == "1" ? 10 : 50)
}

private func runPredictionBenchmarks(runs: Int) throws {
    var generator = SeededGenerator(seed: 3)
    let model = EnergyModel(defaultRecipe(), using: &generator)
    let (banded, oneCore) = try predictionMilliseconds(model, runs: runs, using: &generator)
    report("predict_next_frame_ms", banded, decimals: 2)
    report("predict_next_frame_banded_speedup", oneCore / banded)
}

/// The default model's configuration (`make default-model`'s MODEL_TRAIN), at `size`.
func defaultRecipe(size: ModelConfig.Size = .tiny) -> ModelConfig {
    ModelConfig(kind: .ebt, size: size, embeddingSize: 64 * 16, patchCount: 64, context: 4, thinkingSteps: 2,
                patchColumns: 8, thinkingStart: .motion, workingLongSide: 128)
}

private struct Throughput {
    var samplesPerSecond: Double
    var gflops: Double
    var gflopPerStep: Double
}

/// Windows per second and sgemm GFLOP/s over `steps` training steps of 16 windows.
private func trainingThroughput(_ trainer: inout Trainer<EnergyModel>, _ batches: [Batch], steps: Int) -> Throughput {
    let flopsBefore = GemmCounter.floatingPointOperations
    let start = DispatchTime.now().uptimeNanoseconds
    for i in 0..<steps { _ = trainer.step(batches[i % batches.count].windows, guesses: batches[i % batches.count].guesses) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let flop = Double(GemmCounter.floatingPointOperations - flopsBefore)
    return Throughput(samplesPerSecond: Double(steps * 16) / seconds, gflops: flop / seconds / 1e9, gflopPerStep: flop / Double(steps) / 1e9)
}

/// What the PyTorch peer printed.
private struct PeerRun {
    var windowsPerSecond: Double
    var parameters: Int?
    var gflopPerStep: Double?
}

/// The PyTorch peer (Benchmarks/pytorch-peer) over `steps` timed steps, or nil when it cannot run.
private func pytorchPeer(steps: Int) -> PeerRun? {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("pytorch-peer/ebt_reference_train.py")
    let process = Process(), output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path, "--steps", "\(steps)"]
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch {
        FileHandle.standardError.write("pytorch peer skipped: \(error)\n".data(using: .utf8)!)
        return nil
    }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    func value(_ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + ": ") }.flatMap { Double($0.dropFirst(name.count + 2)) }
    }
    guard process.terminationStatus == 0, let speed = value("windows_per_s") else {
        let why = process.terminationStatus == 77 ? "PyTorch is not installed" : "it exited with status \(process.terminationStatus)"
        FileHandle.standardError.write("pytorch peer skipped: \(why)\n".data(using: .utf8)!)
        return nil
    }
    return PeerRun(windowsPerSecond: speed, parameters: value("parameters").map { Int($0) }, gflopPerStep: value("gemm_gflop_per_step"))
}

/// The default working grid, 128x96 pixels in 8x8 patches.
private let workingLayout = PatchLayout(rows: 12, columns: 16)

/// A 16-frame context and a first guess on the default working grid.
private func predictionInputs(_ model: EnergyModel, using generator: inout SeededGenerator) -> (context: [[Float]], guess: [Float]) {
    let values = workingLayout.patches * model.config.components
    let context = (0..<16).map { _ in Tensor.randn([values], using: &generator).scalars }
    let guess = zip(context[15], Tensor.randn([values], std: 0.1, using: &generator).scalars).map { $0 + $1 }
    return (context, guess)
}

/// Median time of one next-frame prediction (16-frame context, a first guess, 8 thinking steps) on
/// the default working grid over `runs` runs, as predict makes it (in bands, one per core) and on
/// one core, the two alternating.
private func predictionMilliseconds(_ model: EnergyModel, runs: Int,
                                    using generator: inout SeededGenerator) throws -> (banded: Double, oneCore: Double) {
    let predictor = Predictor(network: .ebt(model))
    let (context, guess) = predictionInputs(model, using: &generator)
    let options = PredictionOptions(thinkingSteps: 8)
    let cores = PatchBands.cores
    defer { PatchBands.cores = cores }
    var times: [Int: [Double]] = [cores: [], 1: []]
    for _ in 0...runs {
        for setting in [cores, 1] {
            PatchBands.cores = setting
            let begin = DispatchTime.now().uptimeNanoseconds
            _ = try predictor.predictNext(after: context, layout: workingLayout, guess: guess, options: options)
            times[setting]!.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
        }
    }
    // The first round warms the allocator and the thread pools up.
    func median(_ values: [Double]) -> Double { values.dropFirst().sorted()[runs / 2] }
    return (median(times[cores]!), median(times[1]!))
}

/// A batch of training windows and their first guesses, [16, 5, 1024] each.
private struct Batch {
    var windows: Tensor
    var guesses: Tensor
}

/// The benchmarked EBT, its trainer and four random batches: windows, and first guesses near
/// them (the real guesses are the block-motion extrapolation of the frames before).
private func makeTrainer(size: ModelConfig.Size = .tiny) -> (Trainer<EnergyModel>, [Batch], SeededGenerator) {
    let config = defaultRecipe(size: size)
    var generator = SeededGenerator(seed: 1)
    let model = EnergyModel(config, using: &generator)
    let options = TrainingOptions(thinkingSteps: config.thinkingSteps, start: config.start)
    let trainer = Trainer(model: model, optimizer: AdamW(learningRate: 1e-4), options: options, seed: 2)
    let shape = [16, config.context + 1, config.embeddingSize]
    let batches = (0..<4).map { _ in
        let windows = Tensor.randn(shape, using: &generator)
        return Batch(windows: windows, guesses: windows + Tensor.randn(shape, std: 0.1, using: &generator))
    }
    return (trainer, batches, generator)
}

/// `ebtvid-bench profile-model`: a fixed, short workload for callgrind or perf (not a figure):
/// EBTVID_PROFILE_STEPS training steps (default 2) and EBTVID_PROFILE_PREDICTIONS predictions on the
/// default working grid (default 10), or only one kind with EBTVID_PROFILE=train|predict, on the
/// default recipe (EBTVID_PROFILE_SIZE=small or base profiles that size instead of tiny).
func runModelProfile() throws {
    let environment = ProcessInfo.processInfo.environment
    let only = environment["EBTVID_PROFILE"], steps = environment["EBTVID_PROFILE_STEPS"].flatMap { Int($0) } ?? 2
    let size = environment["EBTVID_PROFILE_SIZE"].flatMap(ModelConfig.Size.init(rawValue:)) ?? .tiny
    var (trainer, batches, generator) = makeTrainer(size: size)
    if only != "predict" {
        for i in 0..<steps {
            let batch = batches[i % batches.count]
            let stats = trainer.step(batch.windows, guesses: batch.guesses)
            print("loss \(stats.loss) gradient norm \(stats.gradientNorm)")
        }
    }
    if only != "train" {
        let predictor = Predictor(network: .ebt(trainer.model))
        let (context, guess) = predictionInputs(trainer.model, using: &generator)
        let options = PredictionOptions(thinkingSteps: 8)
        var last: Float = 0
        let predictions = environment["EBTVID_PROFILE_PREDICTIONS"].flatMap { Int($0) } ?? 10
        for _ in 0..<predictions {
            last = try predictor.predictNext(after: context, layout: workingLayout, guess: guess, options: options).energy ?? 0
        }
        print("final energy: \(last)")
    }
}
