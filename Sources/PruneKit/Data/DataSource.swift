import Foundation

/// Where a dataset comes from.
public enum DataSource: Equatable, Sendable {
    /// Debian's dataset-fashion-mnist (`Dataset.fashionMNISTFolder`).
    case fashionMNIST
    /// A folder of the four standard IDX files (MNIST, Fashion-MNIST, KMNIST, ...).
    case idxFolder(URL)
    /// Generated in memory (`SyntheticData`), for quick runs and tests.
    case synthetic(SyntheticShape)
    /// An `.npz` file in Keras's layout.
    case npz(URL)
    /// CSV files with a header row; `labelColumn` names the label column.
    case csv(train: URL, test: URL, labelColumn: String)
}

/// The size of a generated dataset and its generator's seed.
public struct SyntheticShape: Equatable, Sendable {
    /// Training samples to generate.
    public var trainSize: Int
    /// Test samples to generate.
    public var testSize: Int
    /// Inputs per sample.
    public var features: Int
    /// Classes the labels range over.
    public var classes: Int
    /// Seed of the generator: the same shape and seed give the same samples.
    public var seed: UInt64

    /// A shape from its sizes and seed.
    public init(trainSize: Int, testSize: Int, features: Int, classes: Int, seed: UInt64) {
        self.trainSize = trainSize
        self.testSize = testSize
        self.features = features
        self.classes = classes
        self.seed = seed
    }
}
