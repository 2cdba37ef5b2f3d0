/// Everything `prunelab bench` measures in one run; encodes to the `--json` output.
package struct BenchmarkReport: Codable, Sendable {
    package var cores: Int
    /// The CPU's model name (`MachineIdentity`): the project's machines change kind, and figures
    /// from different kinds are not comparable.
    package var cpu: String? = MachineIdentity.current.cpu
    /// The OpenBLAS kernel family the products ran with (e.g. "SkylakeX").
    package var blasKernel: String
    /// The build of PruneLab's own C kernels (sparse layer, Adam) that ran: see `KernelInstructionSet`.
    package var kernelInstructionSet: String
    /// Square single-precision products through the same BLAS as training, GFLOP/s; nil with `--inference-only`.
    package var sgemmGFLOPS: Double?
    /// Nil with `--inference-only`.
    package var training: TrainingFigures?
    package var inference: InferenceFigures
    /// Nil when the sweep was skipped (`--skip-sweep`).
    package var sweep: SweepFigures?
    /// The same sweep done by TensorFlow in this run (`--vs-tensorflow`), else nil.
    package var tensorflow: TensorFlowFigures? = nil

    enum CodingKeys: String, CodingKey {
        case cores, cpu, training, inference, sweep, tensorflow
        case sgemmGFLOPS = "sgemm_gflops", blasKernel = "blas_kernel", kernelInstructionSet = "kernel_instruction_set"
    }

    private enum DerivedKeys: String, CodingKey { case targets }

    /// Every figure, and the targets they were checked against (derived, so written but not read).
    package func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cores, forKey: .cores)
        try container.encodeIfPresent(cpu, forKey: .cpu)
        try container.encode(blasKernel, forKey: .blasKernel)
        try container.encode(kernelInstructionSet, forKey: .kernelInstructionSet)
        try container.encodeIfPresent(sgemmGFLOPS, forKey: .sgemmGFLOPS)
        try container.encodeIfPresent(training, forKey: .training)
        try container.encode(inference, forKey: .inference)
        try container.encodeIfPresent(sweep, forKey: .sweep)
        try container.encodeIfPresent(tensorflow, forKey: .tensorflow)
        var derived = encoder.container(keyedBy: DerivedKeys.self)
        try derived.encode(targets, forKey: .targets)
    }
}

package struct TrainingFigures: Codable, Sendable {
    package var layerSizes: [Int]
    package var batchSize: Int
    package var optimizer: String
    package var samplesPerSecond: Double
    /// `flopsPerWeightPerSample * weights * samplesPerSecond`: 2 flops per weight for the forward
    /// product, 4 for the backward ones (input and weight gradients); element-wise work uncounted.
    package var effectiveGFLOPS: Double
    package var flopsPerWeightPerSample: Int
    /// `effectiveGFLOPS / sgemmGFLOPS`: how close training runs to the machine's own BLAS peak.
    package var fractionOfSGEMM: Double
    /// Where a step's time goes: the forward and backward passes alone (products and their
    /// element-wise kernels, no update), in samples/s, and the share of a whole step's time
    /// that the optimizer update adds (fastest rounds of each, so less disturbed by other work).
    package var passesSamplesPerSecond: Double
    /// Whole steps (with the update) in the same fastest rounds, in samples/s.
    package var fastestStepSamplesPerSecond: Double
    package var optimizerShareOfStep: Double

    enum CodingKeys: String, CodingKey {
        case optimizer
        case layerSizes = "layer_sizes", batchSize = "batch_size", samplesPerSecond = "samples_per_second"
        case effectiveGFLOPS = "effective_gflops", flopsPerWeightPerSample = "flops_per_weight_per_sample"
        case fractionOfSGEMM = "fraction_of_sgemm"
        case passesSamplesPerSecond = "passes_samples_per_second", optimizerShareOfStep = "optimizer_share_of_step"
        case fastestStepSamplesPerSecond = "fastest_step_samples_per_second"
    }
}

package struct InferenceFigures: Codable, Sendable {
    package var layerSizes: [Int]
    /// How many images the seconds stand for (the first `InferenceTimer.timingSamples` are timed, then scaled).
    package var images: Int
    /// Where the images came from: the Fashion-MNIST test set, or random data of its shape.
    package var imageSource: String
    /// What was pruned: random Glorot weights, which pruned by magnitude give the sparsity
    /// pattern (and so the speed) of a trained network; accuracy is not measured here.
    package var weightSource: String
    package var weightPruning: [LevelTiming]
    package var unitPruning: [LevelTiming]
    /// The sparse kernel built for each instruction set this CPU runs, best first, on one network:
    /// what choosing the build at run time gains over the portable baseline.
    package var sparseKernelBuilds: [KernelBuildTiming]

    enum CodingKeys: String, CodingKey {
        case images
        case layerSizes = "layer_sizes", imageSource = "image_source", weightSource = "weight_source"
        case weightPruning = "weight_pruning", unitPruning = "unit_pruning", sparseKernelBuilds = "sparse_kernel_builds"
    }
}

/// The CSR kernel's time with one build of CKernels (see `KernelInstructionSet`).
package struct KernelBuildTiming: Codable, Sendable {
    package var instructionSet: String
    /// Weight sparsity of the network timed, percent.
    package var sparsity: Double
    package var seconds: Double

    enum CodingKeys: String, CodingKey {
        case sparsity, seconds
        case instructionSet = "instruction_set"
    }
}

/// One pruning level: the original-shape network through the dense kernel vs the representation
/// picked (CSR where faster, else dense, for weight pruning; the shrunk network for unit pruning),
/// timed in pairs; seconds for all `InferenceFigures.images` images.
package struct LevelTiming: Codable, Sendable {
    package var sparsity: Double
    /// Fraction of the network's weights actually removed (the last layer is spared).
    package var achievedSparsity: Double
    package var denseSeconds: Double
    package var prunedSeconds: Double
    /// `denseSeconds / prunedSeconds`.
    package var speedup: Double
    /// The speed-up if time fell exactly with the weights removed: 1 / (1 - achieved sparsity).
    package var idealSpeedup: Double
    /// What `InferenceTimer` picked for the pruned network: csr, dense or shrunk.
    package var kernel: String
    /// Weight pruning: the CSR kernel's time, also where dense was picked. Nil for unit pruning.
    package var csrSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case sparsity, speedup, kernel
        case csrSeconds = "csr_seconds"
        case achievedSparsity = "achieved_sparsity", denseSeconds = "dense_seconds", prunedSeconds = "pruned_seconds"
        case idealSpeedup = "ideal_speedup"
    }
}

package struct SweepFigures: Codable, Sendable {
    package var command: [String]
    /// Nil when the sweep did not finish successfully (see `failure`).
    package var wallSeconds: Double?
    /// Peak resident set size of the sweep process, MB (getrusage RUSAGE_CHILDREN, ru_maxrss).
    package var peakResidentMegabytes: Double?
    /// The same sweep resumed from its trained checkpoints: loading, the points and the reports.
    package var pointsWallSeconds: Double?
    package var failure: String?
    /// The bench's own sweep (the reference experiment, or the iterative LeNet-300-100 one with
    /// `--hidden 300,100`), which the targets are about; false for a `--sweep-spec` of the user's.
    package var isDefault = true

    enum CodingKeys: String, CodingKey {
        case command, failure
        case wallSeconds = "wall_seconds", peakResidentMegabytes = "peak_resident_megabytes", isDefault = "is_default"
        case pointsWallSeconds = "points_wall_seconds"
    }
}
