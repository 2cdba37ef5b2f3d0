import Foundation

/// One measured point of a sweep: a (method, sparsity, repeat) triple and what pruning left.
/// One row of `results.csv`; the column names are `ResultRow.csvHeader`.
public struct ResultRow: Codable, Sendable, Equatable {
    /// The pruning criterion that produced this network.
    public var method: PruningMethod
    /// Requested sparsity in percent (0 ..< 100).
    public var targetSparsity: Double
    /// 0-based repeat; repeat r trained its own model from seed `training.seed + r`.
    public var repeatIndex: Int
    /// Seed the repeat's model was trained from (`training.seed + repeatIndex`).
    public var seed: Int
    /// Fraction (0...1) of the original network's weights removed, overall and per layer.
    public var achievedSparsity: Double
    /// The same fraction for each layer, in layer order.
    public var layerSparsity: [Double]
    /// Test-set accuracy (0...1) and mean softmax cross-entropy of the final network
    /// (after fine-tuning when the spec asks for it).
    public var accuracy: Double
    /// Mean softmax cross-entropy on the test set of the final network.
    public var loss: Double
    /// Right after pruning, before fine-tuning; nil when the spec has no fine-tuning.
    public var accuracyBeforeFinetune: Double?
    /// Test loss right after pruning, before fine-tuning; nil when the spec has no fine-tuning.
    public var lossBeforeFinetune: Double?
    /// Weights (and biases) still nonzero in the final network.
    public var nonzeroParameters: Int
    /// Weights (and biases) of the original, unpruned network.
    public var totalParameters: Int
    /// Seconds to run the whole test set through the dense-shaped network and through the
    /// representation pruning allows (see `kernel`): medians of paired rounds on the first
    /// `InferenceTimer.timingSamples` test samples, scaled to the whole test set.
    public var denseSeconds: Double
    /// The pruned representation's seconds for the whole test set, measured like `denseSeconds`.
    public var prunedSeconds: Double
    /// "csr", "dense" or "shrunk" (`InferenceKernel`'s raw values): what ran the pruned network.
    public var kernel: InferenceKernel
    /// When pruning happened; rows of sweeps from before schedules existed are one-shot.
    public var schedule: PruningSchedule
    /// Iterative schedule: the 1-based step (round) that produced this network; nil otherwise.
    public var step: Int?
    /// The pruned network itself or one of its controls.
    public var variant: PointVariant
    /// Each-layer scope: the 0-based index of the only layer pruned; nil when every layer was.
    public var layer: Int?
    /// Every training epoch behind this network, the original training included (nil: not recorded).
    public var epochsTrained: Int?
    /// The original network's weights over this network's nonzero weights.
    public var compressionRatio: Double?
    /// Multiply-accumulates per sample as this network runs (nonzeros for CSR, the shrunk or
    /// small shape's weights for dense kernels) and as the original network runs.
    public var macs: Int?
    /// Multiply-accumulates per sample of the original, unpruned network.
    public var denseMacs: Int?
    /// Hidden units with no nonzero incoming or no nonzero outgoing weight, in all and per hidden layer.
    public var deadUnits: Int?
    /// Dead hidden units of each hidden layer, in layer order.
    public var layerDeadUnits: [Int]
    /// Seconds this point spent training (fine-tuning, retraining, the control's training); 0: none.
    public var trainSeconds: Double?
    /// The host the row was measured on (nil: a results.csv of a version before this column).
    public var host: String?
    /// The model name of the CPU the row was measured on (nil: not recorded, as `host`).
    public var cpu: String?

    /// A row as the runner measured it; the optional columns default to "not recorded", `host`
    /// and `cpu` to this machine (a row is made where its point was measured).
    public init(method: PruningMethod, targetSparsity: Double, repeatIndex: Int, seed: Int,
                achievedSparsity: Double, layerSparsity: [Double], accuracy: Double, loss: Double,
                accuracyBeforeFinetune: Double? = nil, lossBeforeFinetune: Double? = nil,
                nonzeroParameters: Int, totalParameters: Int,
                denseSeconds: Double, prunedSeconds: Double, kernel: InferenceKernel,
                schedule: PruningSchedule = .oneShot, step: Int? = nil, variant: PointVariant = .pruned, layer: Int? = nil,
                epochsTrained: Int? = nil, compressionRatio: Double? = nil, macs: Int? = nil, denseMacs: Int? = nil,
                deadUnits: Int? = nil, layerDeadUnits: [Int] = [], trainSeconds: Double? = nil,
                host: String? = MachineIdentity.current.host, cpu: String? = MachineIdentity.current.cpu) {
        self.method = method
        self.targetSparsity = targetSparsity
        self.repeatIndex = repeatIndex
        self.seed = seed
        self.achievedSparsity = achievedSparsity
        self.layerSparsity = layerSparsity
        self.accuracy = accuracy
        self.loss = loss
        self.accuracyBeforeFinetune = accuracyBeforeFinetune
        self.lossBeforeFinetune = lossBeforeFinetune
        self.nonzeroParameters = nonzeroParameters
        self.totalParameters = totalParameters
        self.denseSeconds = denseSeconds
        self.prunedSeconds = prunedSeconds
        self.kernel = kernel
        self.schedule = schedule
        self.step = step
        self.variant = variant
        self.layer = layer
        self.epochsTrained = epochsTrained
        self.compressionRatio = compressionRatio
        self.macs = macs
        self.denseMacs = denseMacs
        self.deadUnits = deadUnits
        self.layerDeadUnits = layerDeadUnits
        self.trainSeconds = trainSeconds
        self.host = host
        self.cpu = cpu
    }

    /// Identifies the point a row measured; a resumed sweep skips points already present.
    public var point: SweepPoint {
        SweepPoint(method: method, targetSparsity: targetSparsity, repeatIndex: repeatIndex, variant: variant, layer: layer)
    }

    enum CodingKeys: String, CodingKey {
        case method, seed, accuracy, loss, kernel
        case targetSparsity = "target_sparsity", repeatIndex = "repeat"
        case achievedSparsity = "achieved_sparsity", layerSparsity = "layer_sparsity"
        case accuracyBeforeFinetune = "accuracy_before_finetune", lossBeforeFinetune = "loss_before_finetune"
        case nonzeroParameters = "nonzero_parameters", totalParameters = "total_parameters"
        case denseSeconds = "dense_seconds", prunedSeconds = "pruned_seconds"
        case schedule, step, variant, layer, macs
        case epochsTrained = "epochs_trained", compressionRatio = "compression_ratio", denseMacs = "dense_macs"
        case deadUnits = "dead_units", layerDeadUnits = "layer_dead_units", trainSeconds = "train_seconds"
        case host, cpu
    }
}

/// One (method, sparsity, repeat, variant, layer) point of a sweep: one row of results.csv.
public struct SweepPoint: Hashable, Sendable {
    /// The pruning criterion of the point.
    public var method: PruningMethod
    /// Requested sparsity in percent (0 ..< 100).
    public var targetSparsity: Double
    /// 0-based repeat; each repeat trains its own model.
    public var repeatIndex: Int
    /// The pruned network or one of its controls.
    public var variant: PointVariant
    /// Each-layer scope: the only layer pruned; nil: all of them.
    public var layer: Int?

    /// A point; the defaults name the pruned network of an all-layer sweep.
    public init(method: PruningMethod, targetSparsity: Double, repeatIndex: Int, variant: PointVariant = .pruned, layer: Int? = nil) {
        self.method = method
        self.targetSparsity = targetSparsity
        self.repeatIndex = repeatIndex
        self.variant = variant
        self.layer = layer
    }
}

/// What a finished sweep produced.
public struct SweepOutcome: Sendable {
    /// Every row of `results.csv`, in sweep order (repeat, method, sparsity).
    public var rows: [ResultRow]
    /// Names of the files written to the output directory.
    public var artifacts: [String]

    /// The outcome of a sweep from its rows and the files it wrote.
    public init(rows: [ResultRow], artifacts: [String]) {
        self.rows = rows
        self.artifacts = artifacts
    }
}
