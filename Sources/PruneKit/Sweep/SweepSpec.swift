import Foundation

/// One pruning sweep: what to train, how, and which pruning methods to try at which
/// sparsities. The contract shared by the CLI, the HTTP API, the web page and the job store.
///
/// User input goes through `SweepSpec.parse(_:)`, which checks it against `SpecSchema` (the one
/// description of every field): it rejects unknown fields, wrong types and out-of-range values
/// with errors that name each field (JSON Pointer) and the allowed range, and fills in the
/// reference experiment's defaults: `{}` is the seed experiment.
/// The `Codable` form is the fully resolved spec (every field present), as the job store keeps it.
public struct SweepSpec: Codable, Equatable, Sendable {
    /// The sweep's label in reports, file names and the job list.
    public var name: String
    /// Which data to train and test on.
    public var dataset: DatasetSpec
    /// The network to train, or the trained one to import.
    public var model: ModelSpec
    /// How each network is trained before pruning.
    public var training: TrainingSpec
    /// Which criteria, sparsities and schedule to try.
    public var pruning: PruningSpec
    /// Independent models trained with seeds `training.seed + r`; summaries give mean and std.
    public var repeats: Int

    /// A spec with the reference experiment's value for every field not given.
    public init(name: String = "seed", dataset: DatasetSpec = .init(), model: ModelSpec = .init(),
                training: TrainingSpec = .init(), pruning: PruningSpec = .init(), repeats: Int = 1) {
        self.name = name
        self.dataset = dataset
        self.model = model
        self.training = training
        self.pruning = pruning
        self.repeats = repeats
    }

    /// The reference experiment of the original study, on Fashion-MNIST.
    public static let reference = SweepSpec()
}

/// Where the data comes from.
public enum DatasetKind: String, Codable, CaseIterable, Sendable {
    /// Debian's dataset-fashion-mnist.
    case fashionMNIST = "fashion-mnist"
    /// Any folder of the four IDX files (`DatasetSpec.path`), MNIST included.
    case idx
    /// Generated in memory, for quick runs and tests.
    case synthetic
    /// An `.npz` file in Keras's layout (`x_train`, `y_train`, `x_test`, `y_test`) at `path`.
    case npz
    /// Two CSV files (`train`, `test`) with a header row and a label column.
    case csv
}

/// Which data set a sweep uses and, for generated or file-based sets, where and how big it is.
public struct DatasetSpec: Codable, Equatable, Sendable {
    /// Where the data comes from; decides which of the other fields apply.
    public var name: DatasetKind
    /// A folder holding the four standard IDX files (gzipped or not); implies `name == "idx"`.
    public var path: String?
    /// Use only the first N training / test samples (nil: all). For quick runs and tests.
    public var trainLimit: Int?
    /// The test-set counterpart of `trainLimit` (nil: all test samples).
    public var testLimit: Int?
    /// Synthetic set only: sizes, input features, classes and generator seed.
    public var trainSize: Int
    /// Synthetic only: test samples to generate.
    public var testSize: Int
    /// Synthetic only: inputs per sample.
    public var features: Int
    /// Synthetic only: number of classes (labels are stored as bytes).
    public var classes: Int
    /// Synthetic only: seed of the generator.
    public var seed: Int
    /// CSV only: the training and test files, and the column holding the labels.
    public var train: String?
    /// CSV only: the test file, with the same header as `train`.
    public var test: String?
    /// CSV only: the header name of the column holding the labels.
    public var labelColumn: String
    /// `npz` only: the id of an uploaded `.npz` (`POST /datasets`) instead of `path`; the service
    /// resolves it to the file's path before the job runs.
    public var uploaded: String?
    /// CSV only: ids of uploaded CSV files instead of `train` and `test`.
    public var trainUploaded: String?
    public var testUploaded: String?

    /// A data set spec; every default is Fashion-MNIST's full sets or the small synthetic ones.
    public init(name: DatasetKind = .fashionMNIST, path: String? = nil, trainLimit: Int? = nil, testLimit: Int? = nil,
                trainSize: Int = 2000, testSize: Int = 500, features: Int = 64, classes: Int = 10, seed: Int = 0,
                train: String? = nil, test: String? = nil, labelColumn: String = "label") {
        self.train = train
        self.test = test
        self.labelColumn = labelColumn
        self.name = name
        self.path = path
        self.trainLimit = trainLimit
        self.testLimit = testLimit
        self.trainSize = trainSize
        self.testSize = testSize
        self.features = features
        self.classes = classes
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case name, path, features, classes, seed, train, test
        case trainLimit = "train_limit", testLimit = "test_limit", trainSize = "train_size", testSize = "test_size"
        case labelColumn = "label_column", uploaded, trainUploaded = "train_uploaded", testUploaded = "test_uploaded"
    }

    /// Specs resolved before npz and CSV datasets lack their fields.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(DatasetKind.self, forKey: .name), path: try c.decodeIfPresent(String.self, forKey: .path),
                  trainLimit: try c.decodeIfPresent(Int.self, forKey: .trainLimit), testLimit: try c.decodeIfPresent(Int.self, forKey: .testLimit),
                  trainSize: try c.decode(Int.self, forKey: .trainSize), testSize: try c.decode(Int.self, forKey: .testSize),
                  features: try c.decode(Int.self, forKey: .features), classes: try c.decode(Int.self, forKey: .classes),
                  seed: try c.decode(Int.self, forKey: .seed), train: try c.decodeIfPresent(String.self, forKey: .train),
                  test: try c.decodeIfPresent(String.self, forKey: .test),
                  labelColumn: try c.decodeIfPresent(String.self, forKey: .labelColumn) ?? "label")
        uploaded = try c.decodeIfPresent(String.self, forKey: .uploaded)
        trainUploaded = try c.decodeIfPresent(String.self, forKey: .trainUploaded)
        testUploaded = try c.decodeIfPresent(String.self, forKey: .testUploaded)
    }
}

/// The network's shape, or the safetensors file of a trained one to import.
public struct ModelSpec: Codable, Equatable, Sendable {
    /// Hidden widths as given; nil only with imported `weights` whose file decides them
    /// (`SweepSpec.resolvingImportedModel()` fills them in from the file).
    public var declaredHidden: [Int]?
    /// Biases as given; nil only with imported `weights` (then the file decides).
    public var declaredBias: Bool?
    /// A safetensors file of a trained network to prune instead of training one.
    public var weights: String?
    /// The file's layer names in order (`fc1` for `fc1.weight`), for files that are neither
    /// PyTorch `nn.Sequential` (`0.weight`, `2.weight`, ...) nor PruneLab's own layout.
    public var layers: [String]?
    /// The id of an uploaded safetensors file (`POST /models`) instead of `weights`; the service
    /// resolves it to the file's path before the job runs.
    public var uploaded: String?

    /// A network spec; the defaults are the reference experiment's four bias-free hidden layers.
    public init(hidden: [Int] = [1000, 1000, 500, 200], bias: Bool = false, weights: String? = nil, layers: [String]? = nil) {
        self.declaredHidden = hidden
        self.declaredBias = bias
        self.weights = weights
        self.layers = layers
    }

    /// Hidden widths of the network (of a resolved spec: also for imported weights).
    public var hidden: [Int] {
        get { declaredHidden ?? [] }
        set { declaredHidden = newValue }
    }

    /// Whether the layers have biases (of a resolved spec: also for imported weights).
    public var bias: Bool {
        get { declaredBias ?? false }
        set { declaredBias = newValue }
    }

    enum CodingKeys: String, CodingKey {
        case declaredHidden = "hidden", declaredBias = "bias", weights, layers, uploaded
    }
}

/// How networks are trained before (and, with fine-tuning, after) pruning.
public struct TrainingSpec: Codable, Equatable, Sendable {
    /// Passes over the training set (0 by default with imported weights).
    public var epochs: Int
    /// Samples per optimiser step.
    public var batchSize: Int
    /// Adam (TensorFlow's constants) or SGD with momentum.
    public var optimizer: OptimizerKind
    /// Step size of the optimiser.
    public var learningRate: Double
    /// SGD only (Adam uses TensorFlow's betas 0.9 / 0.999 and epsilon 1e-7).
    public var momentum: Double
    /// Seed of initialisation and shuffling (repeat r uses `seed + r`).
    public var seed: Int

    /// A training spec with the reference experiment's Adam settings and 5 epochs.
    public init(epochs: Int = 5, batchSize: Int = 64, optimizer: OptimizerKind = .adam,
                learningRate: Double = 0.001, momentum: Double = 0.9, seed: Int = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case epochs, optimizer, momentum, seed
        case batchSize = "batch_size", learningRate = "learning_rate"
    }
}

/// Which pruning criteria to compare, at which sparsities, on which schedule.
public struct PruningSpec: Codable, Equatable, Sendable {
    /// Criteria to compare, each swept over every sparsity.
    public var methods: [PruningMethod]
    /// Target sparsities in percent, 0 ..< 100.
    public var sparsities: [Double]
    /// Also prune the output layer (weight methods only: unit methods never remove classes).
    public var pruneLastLayer: Bool
    /// Retraining epochs after pruning with pruned weights held at zero (one-shot and iterative only).
    public var finetuneEpochs: Int
    /// When pruning happens relative to training: one-shot, iterative, gradual or at initialisation.
    public var schedule: PruningSchedule
    /// Iterative only: rewind the survivors after each step (nil: keep training them).
    public var rewind: RewindPoint?
    /// The cubic curve's start, end and mask interval for the gradual schedule.
    public var gradual: GradualSpec
    /// Baselines trained alongside each point (random re-initialisation, small dense network).
    public var controls: [PruningControl]
    /// Prune all layers together, or each layer alone for sensitivity analysis.
    public var scope: PruningScope

    /// A pruning spec; the defaults are the reference's one-shot weight and unit sweep over ten sparsities.
    public init(methods: [PruningMethod] = [.weight, .unit],
                sparsities: [Double] = [0, 25, 50, 60, 70, 80, 90, 95, 97, 99],
                pruneLastLayer: Bool = false, finetuneEpochs: Int = 0,
                schedule: PruningSchedule = .oneShot, rewind: RewindPoint? = nil, gradual: GradualSpec = .init(),
                controls: [PruningControl] = [], scope: PruningScope = .all) {
        self.methods = methods
        self.sparsities = sparsities
        self.pruneLastLayer = pruneLastLayer
        self.finetuneEpochs = finetuneEpochs
        self.schedule = schedule
        self.rewind = rewind
        self.gradual = gradual
        self.controls = controls
        self.scope = scope
    }

    enum CodingKeys: String, CodingKey {
        case methods, sparsities, schedule, rewind, gradual, controls, scope
        case pruneLastLayer = "prune_last_layer", finetuneEpochs = "finetune_epochs"
    }

    /// Specs resolved before schedules existed lack the newer fields: they mean today's one-shot sweep.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(methods: try c.decode([PruningMethod].self, forKey: .methods),
                  sparsities: try c.decode([Double].self, forKey: .sparsities),
                  pruneLastLayer: try c.decode(Bool.self, forKey: .pruneLastLayer),
                  finetuneEpochs: try c.decode(Int.self, forKey: .finetuneEpochs),
                  schedule: try c.decodeIfPresent(PruningSchedule.self, forKey: .schedule) ?? .oneShot,
                  rewind: try c.decodeIfPresent(RewindPoint.self, forKey: .rewind),
                  gradual: try c.decodeIfPresent(GradualSpec.self, forKey: .gradual) ?? .init(),
                  controls: try c.decodeIfPresent([PruningControl].self, forKey: .controls) ?? [],
                  scope: try c.decodeIfPresent(PruningScope.self, forKey: .scope) ?? .all)
    }

    /// Writes every field, leaving out only an unset rewind, so stored specs are fully resolved.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(methods, forKey: .methods)
        try c.encode(sparsities, forKey: .sparsities)
        try c.encode(pruneLastLayer, forKey: .pruneLastLayer)
        try c.encode(finetuneEpochs, forKey: .finetuneEpochs)
        // The resolved spec has every field (the schema describes each); an unset rewind is left out.
        try c.encode(schedule, forKey: .schedule)
        try c.encodeIfPresent(rewind, forKey: .rewind)
        try c.encode(gradual, forKey: .gradual)
        try c.encode(controls, forKey: .controls)
        try c.encode(scope, forKey: .scope)
    }
}
