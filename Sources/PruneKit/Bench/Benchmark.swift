import Foundation

/// The measurements behind `prunelab bench` (issue 3): the machine's SGEMM rate, training
/// throughput on the reference network, dense vs pruned inference time per sparsity level,
/// and optionally a whole default sweep. All figures come from this one run. Inference levels are
/// timed in pairs like a sweep's points (`InferenceTimer`), on the timing subset, scaled to `images`.
package struct Benchmark: Sendable {
    /// The reference network of the seed experiment.
    package static let referenceLayerSizes = [784, 1000, 1000, 500, 200, 10]
    package static let sparsityLevels: [Double] = [0, 50, 70, 80, 90, 95, 99]

    package var layerSizes = Benchmark.referenceLayerSizes
    package var sparsityLevels = Benchmark.sparsityLevels
    package var batchSize = 64
    package var repetitions = 5
    /// Training steps per timed repetition.
    package var trainingSteps = 100
    /// The sweep to run as a child process (executable and arguments); nil skips it.
    package var sweepCommand: (executable: URL, arguments: [String])?
    /// Where the sweep writes (its `--out`): TensorFlow reads the resolved spec.json from there.
    package var sweepOutput: URL?
    /// False when the sweep is a spec of the user's, which the targets are not about.
    package var sweepIsDefault = true
    /// A Python with TensorFlow and the script that does the sweep in Keras (`--vs-tensorflow`).
    package var tensorflow: (python: URL, script: URL)?
    /// False leaves out the SGEMM rate and training (`--inference-only`: the kernels' figures alone).
    package var measuresTraining = true

    package init() {}

    /// Runs every measurement; `log` hears what is being measured (for a progress line).
    package func run(log: (String) -> Void = { _ in }) -> BenchmarkReport {
        precondition(repetitions > 0 && trainingSteps > 0, "repetitions and training steps must be positive")
        // The sweep goes first: Linux charges a child with its parent's peak memory up to the
        // child's exec (the address space is shared until then), so the bench must still be small.
        var sweep: SweepFigures?
        if let sweepCommand {
            log("the sweep: \(([sweepCommand.executable.path] + sweepCommand.arguments).joined(separator: " "))")
            sweep = SweepMeasurement.measure(executable: sweepCommand.executable, arguments: sweepCommand.arguments)
            sweep?.isDefault = sweepIsDefault
            if sweep?.wallSeconds != nil, let sweepOutput {
                log("the sweep's points, resumed from its checkpoint")
                sweep?.pointsWallSeconds = SweepMeasurement.measurePoints(executable: sweepCommand.executable,
                                                                          arguments: sweepCommand.arguments, output: sweepOutput)
            }
        }
        var tensorflowFigures: TensorFlowFigures?
        if let tensorflow, let sweepOutput {
            let spec = sweepOutput.appendingPathComponent("spec.json")
            log("the same sweep in TensorFlow: \(tensorflow.python.path) \(tensorflow.script.path) \(spec.path)")
            tensorflowFigures = sweep?.wallSeconds == nil
                ? TensorFlowFigures(command: [tensorflow.python.path, tensorflow.script.path, spec.path],
                                    failure: "not run: the PruneLab sweep, whose spec it repeats, did not finish")
                : TensorFlowMeasurement.measure(python: tensorflow.python, script: tensorflow.script, spec: spec)
        }
        var sgemm: Double?, training: TrainingFigures?
        if measuresTraining {
            log("SGEMM rate and training throughput, in alternating rounds")
            let rounds = PerformanceProbe.trainingAndSGEMM(layerSizes: layerSizes, batchSize: batchSize, steps: trainingSteps,
                                                          rounds: repetitions)
            sgemm = InferenceTimer.median(rounds.sgemmGFLOPS)
            training = measureTraining(rounds)
        }
        log("inference")
        let inference = measureInference(log: log)
        return BenchmarkReport(cores: ProcessInfo.processInfo.activeProcessorCount, blasKernel: GEMM.kernelName,
                               kernelInstructionSet: KernelInstructionSet.best.description, sgemmGFLOPS: sgemm,
                               training: training, inference: inference, sweep: sweep, tensorflow: tensorflowFigures)
    }

    /// The training figures from rounds alternating with the SGEMM product: the fraction of SGEMM
    /// is the median of each round's own ratio, so a drift of the machine's speed between rounds
    /// cancels out (the throughput and SGEMM rate printed are each their own median).
    func measureTraining(_ rounds: PerformanceProbe.TrainingAndSGEMMRounds) -> TrainingFigures {
        let weights = zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }
        let flopsPerWeight = 6
        func gflops(_ samplesPerSecond: Double) -> Double { Double(flopsPerWeight * weights) * samplesPerSecond / 1e9 }
        let samplesPerSecond = InferenceTimer.median(rounds.samplesPerSecond)
        let effective = gflops(samplesPerSecond)
        let fraction = InferenceTimer.median(zip(rounds.samplesPerSecond, rounds.sgemmGFLOPS).map { gflops($0) / $1 })
        let breakdown = PerformanceProbe.trainingStepBreakdown(layerSizes: layerSizes, batchSize: batchSize)
        return TrainingFigures(layerSizes: layerSizes, batchSize: batchSize, optimizer: "adam",
                               samplesPerSecond: samplesPerSecond, effectiveGFLOPS: effective,
                               flopsPerWeightPerSample: flopsPerWeight, fractionOfSGEMM: fraction,
                               passesSamplesPerSecond: Double(batchSize) / breakdown.passes,
                               fastestStepSamplesPerSecond: Double(batchSize) / breakdown.step,
                               optimizerShareOfStep: max(0, 1 - breakdown.passes / breakdown.step))
    }

    func measureInference(log: (String) -> Void) -> InferenceFigures {
        let images = Self.testImages(features: layerSizes[0])
        let model = MLP.glorotUniform(layerSizes: layerSizes, bias: false, seed: 0)
        func level(_ method: PruningMethod, _ sparsity: Double) -> LevelTiming {
            log("\(method.rawValue) pruning at \(Self.percent(sparsity))")
            let pruned = Pruner.prune(model, method: method, sparsity: sparsity, pruneLastLayer: false, seed: 0)
            // Paired like a sweep's points, so a level reads what results.csv would: dense picked means 1.00x.
            let timing = InferenceTimer.measure(pruned, input: images.input, representing: images.count)
            return LevelTiming(sparsity: sparsity, achievedSparsity: pruned.achievedSparsity,
                               denseSeconds: timing.denseSeconds, prunedSeconds: timing.prunedSeconds,
                               speedup: timing.speedup, idealSpeedup: 1 / (1 - pruned.achievedSparsity),
                               kernel: timing.kernel.rawValue, csrSeconds: timing.csrSeconds)
        }
        let weightPruning = sparsityLevels.map { level(.weight, $0) }
        let unitPruning = sparsityLevels.map { level(.unit, $0) }
        log("the sparse kernel's builds at \(Self.percent(Self.kernelBuildSparsity))")
        let pruned = Pruner.prune(model, method: .weight, sparsity: Self.kernelBuildSparsity, pruneLastLayer: false, seed: 0)
        let scale = Double(images.count) / Double(images.input.rows)
        let builds = KernelInstructionSet.supported.reversed().map { instructionSet in
            let sparse = SparseMLP(pruned.model, instructionSet: instructionSet)
            let seconds = InferenceTimer.medianSeconds(repetitions) { _ = sparse.logits(images.input) } * scale
            return KernelBuildTiming(instructionSet: instructionSet.description, sparsity: Self.kernelBuildSparsity, seconds: seconds)
        }
        return InferenceFigures(
            layerSizes: layerSizes, images: images.count, imageSource: images.source,
            weightSource: "random Glorot-uniform weights pruned by magnitude (the sparsity pattern of a trained network; accuracy not measured)",
            weightPruning: weightPruning, unitPruning: unitPruning, sparseKernelBuilds: builds)
    }

    /// Where the bench compares the sparse kernel's builds (AVX-512, AVX2, baseline) on this CPU.
    static let kernelBuildSparsity = 90.0

    /// The timing subset (`InferenceTimer.timingSamples`) of the Fashion-MNIST test set as floats
    /// when it is installed and has `features` inputs, else as many random images of that size;
    /// with how many images the times are scaled to (the whole test set, or 10,000) and a description of which.
    static func testImages(features: Int) -> (input: Matrix, count: Int, source: String) {
        if let data = try? Dataset.load(DatasetSpec(trainLimit: 1)), data.features == features {
            return (InferenceTimer.timingInput(data.test), data.test.count, "Fashion-MNIST test set")
        }
        var random = SeededGenerator(seed: 5)
        let count = InferenceTimer.timingSamples
        let pixels = (0..<count * features).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let images = LabeledImages(features: features, pixels: pixels, labels: [UInt8](repeating: 0, count: count))
        return (InferenceTimer.floatInput(images), 10_000, "random images of the same shape (Fashion-MNIST not installed)")
    }

    static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
