import Foundation

/// The shape of a sweep's data, known without loading it: what the cost estimate needs.
public struct DataShape: Sendable, Equatable {
    /// Samples the sweep uses (after `train_limit` / `test_limit`).
    public var trainCount: Int
    /// Test samples the sweep uses (after `test_limit`).
    public var testCount: Int
    /// Inputs per sample (pixels of an image).
    public var features: Int
    /// Classes the output layer distinguishes.
    public var classes: Int
    /// Samples in the source before the limits: loading holds all of them for a moment while
    /// the limited prefix is copied out. Equal to the counts above when nothing is cut.
    public var sourceTrainCount: Int
    /// Test samples in the source before `test_limit`.
    public var sourceTestCount: Int
    /// Bytes each feature value takes in memory: 1 for byte data (IDX, uint8), 4 for floats.
    public var bytesPerFeature: Int = 1

    /// A shape; source counts default to the used counts (nothing cut) and never fall below them.
    public init(trainCount: Int, testCount: Int, features: Int, classes: Int,
                sourceTrainCount: Int? = nil, sourceTestCount: Int? = nil) {
        self.trainCount = trainCount
        self.testCount = testCount
        self.features = features
        self.classes = classes
        self.sourceTrainCount = max(trainCount, sourceTrainCount ?? trainCount)
        self.sourceTestCount = max(testCount, sourceTestCount ?? testCount)
    }
}

extension SweepSpec {
    /// The data's shape without loading the data: synthetic from the spec; IDX from the image
    /// files' headers (a few bytes, gzip included) and the label files (one byte per sample,
    /// for the class count of an `idx` folder), honouring train_limit / test_limit.
    /// Errors are those `Dataset.load` would give for a missing folder or file or a bad header.
    public func dataShape() throws -> DataShape {
        let limited = { (count: Int, limit: Int?) in limit.map { min(count, max(0, $0)) } ?? count }
        try checkUploadsResolved()
        switch dataset.name {
        case .synthetic:
            return DataShape(trainCount: limited(dataset.trainSize, dataset.trainLimit),
                             testCount: limited(dataset.testSize, dataset.testLimit),
                             features: dataset.features, classes: dataset.classes,
                             sourceTrainCount: dataset.trainSize, sourceTestCount: dataset.testSize)
        case .fashionMNIST:
            return try Self.idxShape(folder: Dataset.fashionMNISTFolder, classes: 10, limits: dataset)
        case .idx:
            guard let path = dataset.path else {
                throw DataFileError(path: "dataset", problem: "name \"idx\" needs a path: a folder holding the four IDX files")
            }
            return try Self.idxShape(folder: URL(fileURLWithPath: path), classes: nil, limits: dataset)
        case .npz:
            return limitedShape(try NPZDataset.shape(URL(fileURLWithPath: dataset.path ?? "")))
        case .csv:
            return limitedShape(try CSVDataset.shape(train: URL(fileURLWithPath: dataset.train ?? ""), test: URL(fileURLWithPath: dataset.test ?? ""),
                                                     labelColumn: dataset.labelColumn))
        }
    }

    private func limitedShape(_ file: NPZDataset.Shape) -> DataShape {
        let limited = { (count: Int, limit: Int?) in limit.map { min(count, max(0, $0)) } ?? count }
        var shape = DataShape(trainCount: limited(file.trainCount, dataset.trainLimit), testCount: limited(file.testCount, dataset.testLimit),
                              features: file.features, classes: file.classes,
                              sourceTrainCount: file.trainCount, sourceTestCount: file.testCount)
        shape.bytesPerFeature = file.bytesPerFeature
        return shape
    }

    private static func idxShape(folder: URL, classes: Int?, limits: DatasetSpec) throws -> DataShape {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DataFileError(path: folder.path, problem: "no such folder (expected a folder holding the four IDX files)")
        }
        let names = Dataset.idxFileNames
        let trainImages = try IDXHeader.dimensions(of: Dataset.idxFile(names.trainImages, in: folder))
        let testImages = try IDXHeader.dimensions(of: Dataset.idxFile(names.testImages, in: folder))
        for (dimensions, name) in [(trainImages, names.trainImages), (testImages, names.testImages)] where dimensions.count < 2 {
            throw DataFileError(path: folder.appendingPathComponent(name).path,
                                problem: "has dimensions \(dimensions); images need at least 2 (count, pixels...)")
        }
        let features = trainImages.dropFirst().reduce(1, *)
        var classCount = classes ?? 2
        if classes == nil {
            for name in [names.trainLabels, names.testLabels] {
                let labels = try IDXArray.read(contentsOf: Dataset.idxFile(name, in: folder))
                classCount = max(classCount, Int(labels.values.max() ?? 0) + 1)
            }
        }
        let limited = { (count: Int, limit: Int?) in limit.map { min(count, max(0, $0)) } ?? count }
        return DataShape(trainCount: limited(trainImages[0], limits.trainLimit),
                         testCount: limited(testImages[0], limits.testLimit),
                         features: features, classes: classCount,
                         sourceTrainCount: trainImages[0], sourceTestCount: testImages[0])
    }
}
