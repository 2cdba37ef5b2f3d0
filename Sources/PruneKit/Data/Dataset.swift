import Foundation

/// A train/test pair of labelled sample sets with their shape.
public struct Dataset: Sendable {
    /// Where the data came from, for reports: "synthetic", or the folder or file read.
    public let name: String
    /// Inputs per sample, the same in both sets.
    public let features: Int
    /// Classes the labels range over (at least 2).
    public let classes: Int
    /// The samples the network is trained on.
    public let train: LabeledImages
    /// The held-out samples accuracy and timings are measured on.
    public let test: LabeledImages

    /// A data set from two sample sets of the given width; both must have `features` inputs.
    public init(name: String, features: Int, classes: Int, train: LabeledImages, test: LabeledImages) {
        precondition(train.features == features && test.features == features, "train and test need \(features) features")
        precondition(classes >= 2, "a classification needs at least 2 classes")
        self.name = name
        self.features = features
        self.classes = classes
        self.train = train
        self.test = test
    }

    /// Where Debian's `dataset-fashion-mnist` package puts its IDX files.
    public static let fashionMNISTFolder = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// The four standard IDX file names; each may also carry a `.gz` suffix.
    public static let idxFileNames = (trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
                                      testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte")

    /// Loads the source's data, keeping only the first `trainLimit` / `testLimit` samples when
    /// given. Errors name the file and what is wrong.
    public static func load(_ source: DataSource, trainLimit: Int? = nil, testLimit: Int? = nil) throws -> Dataset {
        let full: Dataset
        switch source {
        case .fashionMNIST:
            full = try loadIDXFolder(fashionMNISTFolder, name: "fashion-mnist", classes: 10)
        case .idxFolder(let folder):
            full = try loadIDXFolder(folder, name: folder.path, classes: nil)
        case .synthetic(let shape):
            guard shape.classes <= 256 else {
                throw DataFileError(path: "dataset", problem: "synthetic classes must be at most 256 (labels are stored as bytes), got \(shape.classes)")
            }
            full = SyntheticData.make(trainSize: shape.trainSize, testSize: shape.testSize, features: shape.features,
                                      classes: shape.classes, seed: shape.seed)
        case .npz(let url):
            full = try NPZDataset.load(url)
        case .csv(let train, let test, let labelColumn):
            full = try CSVDataset.load(train: train, test: test, labelColumn: labelColumn)
        }
        return Dataset(name: full.name, features: full.features, classes: full.classes,
                       train: full.train.prefix(trainLimit), test: full.test.prefix(testLimit))
    }

    /// Loads the four standard IDX files of `folder`. The input size comes from the image files;
    /// `classes` is given (fashion-mnist: 10) or taken as the largest label + 1 (at least 2).
    public static func loadIDXFolder(_ folder: URL, name: String, classes: Int?) throws -> Dataset {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DataFileError(path: folder.path, problem: "no such folder (expected a folder holding the four IDX files)")
        }
        let names = idxFileNames
        let urls = (trainImages: try idxFile(names.trainImages, in: folder), trainLabels: try idxFile(names.trainLabels, in: folder),
                    testImages: try idxFile(names.testImages, in: folder), testLabels: try idxFile(names.testLabels, in: folder))
        // zlib inflates a stream on one core, so the test set is read on another core while the
        // training set is (unless the process has one core: PRUNELAB_CORES); a training set's
        // error is still the one thrown when both have one.
        let sets = [(urls.trainImages, urls.trainLabels), (urls.testImages, urls.testLabels)]
        var read = [Result<LabeledImages, Error>?](repeating: nil, count: sets.count)
        read.withUnsafeMutableBufferPointer { read in
            nonisolated(unsafe) let read = read
            let readSet: @Sendable (Int) -> Void = { i in
                let (imagesURL, labelsURL) = sets[i]
                read[i] = Result {
                    try samples(images: try IDXArray.read(contentsOf: imagesURL), imagesURL: imagesURL,
                                labels: try IDXArray.read(contentsOf: labelsURL), labelsURL: labelsURL)
                }
            }
            if Parallel.coreCount > 1 {
                DispatchQueue.concurrentPerform(iterations: sets.count, execute: readSet)
            } else {
                sets.indices.forEach(readSet)
            }
        }
        let train = try read[0]!.get(), test = try read[1]!.get()
        guard train.features == test.features else {
            throw DataFileError(path: urls.testImages.path,
                                problem: "has \(test.features) values per image but the training images have \(train.features)")
        }
        let largestLabel = Int(max(train.labels.max() ?? 0, test.labels.max() ?? 0))
        let classCount = classes ?? max(2, largestLabel + 1)
        for (set, url) in [(train, urls.trainLabels), (test, urls.testLabels)] {
            if let bad = set.labels.firstIndex(where: { Int($0) >= classCount }) {
                throw DataFileError(path: url.path,
                                    problem: "label \(set.labels[bad]) of sample \(bad) is out of range 0..<\(classCount)")
            }
        }
        return Dataset(name: name, features: train.features, classes: classCount, train: train, test: test)
    }

    /// `folder/name.gz` if present, else `folder/name`.
    static func idxFile(_ name: String, in folder: URL) throws -> URL {
        let gzipped = folder.appendingPathComponent(name + ".gz")
        if FileManager.default.fileExists(atPath: gzipped.path) { return gzipped }
        let plain = folder.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: plain.path) { return plain }
        throw DataFileError(path: folder.path, problem: "holds neither \(name) nor \(name).gz")
    }

    private static func samples(images: IDXArray, imagesURL: URL, labels: IDXArray, labelsURL: URL) throws -> LabeledImages {
        guard images.dimensions.count >= 2 else {
            throw DataFileError(path: imagesURL.path, problem: "has dimensions \(images.dimensions); images need at least 2 (count, pixels...)")
        }
        guard labels.dimensions.count == 1 else {
            throw DataFileError(path: labelsURL.path, problem: "has dimensions \(labels.dimensions); labels need exactly 1 (count)")
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DataFileError(path: labelsURL.path,
                                problem: "holds \(labels.dimensions[0]) labels but \(imagesURL.lastPathComponent) holds \(images.dimensions[0]) images")
        }
        let features = images.dimensions.dropFirst().reduce(1, *)
        guard features > 0 else {
            throw DataFileError(path: imagesURL.path, problem: "has dimensions \(images.dimensions): images of 0 pixels")
        }
        return LabeledImages(features: features, pixels: images.values, labels: labels.values)
    }
}
