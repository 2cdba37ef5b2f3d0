import Foundation

// The spec, as the user writes it, mapped onto the engine's own configuration types: the
// layers before Sweep/ never see a spec.

extension DatasetSpec {
    /// The data source the spec names.
    public var source: DataSource {
        switch name {
        case .fashionMNIST: return .fashionMNIST
        case .idx: return .idxFolder(URL(fileURLWithPath: path ?? ""))
        case .npz: return .npz(URL(fileURLWithPath: path ?? ""))
        case .csv: return .csv(train: URL(fileURLWithPath: train ?? ""), test: URL(fileURLWithPath: test ?? ""), labelColumn: labelColumn)
        case .synthetic:
            return .synthetic(SyntheticShape(trainSize: trainSize, testSize: testSize, features: features,
                                             classes: classes, seed: UInt64(truncatingIfNeeded: seed)))
        }
    }
}

extension Dataset {
    /// Loads the data a spec names, with its limits.
    public static func load(_ spec: DatasetSpec) throws -> Dataset {
        try load(spec.source, trainLimit: spec.trainLimit, testLimit: spec.testLimit)
    }
}

extension TrainingConfig {
    /// The engine's training settings for a spec (the epoch count stays with the caller's loop).
    public init(_ spec: TrainingSpec) {
        self.init(batchSize: spec.batchSize, optimizer: spec.optimizer, learningRate: spec.learningRate,
                  momentum: spec.momentum, seed: UInt64(truncatingIfNeeded: spec.seed))
    }
}
