import Foundation

/// Datasets in Keras's `.npz` layout (as `keras.datasets.*.load_data()` caches them): arrays
/// `x_train`, `y_train`, `x_test`, `y_test`. Inputs are uint8 (scaled to [0, 1] as IDX images
/// are) or float32 (used as given), of any sample shape (flattened); labels are integers 0–255.
enum NPZDataset {
    static let arrayNames = (xTrain: "x_train", yTrain: "y_train", xTest: "x_test", yTest: "y_test")

    /// The shape of the data without reading the inputs (only array headers and the labels).
    struct Shape {
        var trainCount: Int, testCount: Int, features: Int, classes: Int, bytesPerFeature: Int
    }

    static func member(_ name: String, in zip: ZipArchive) throws -> ZipArchive.Member {
        guard let member = zip.members[name + ".npy"] ?? zip.members[name] else {
            let held = zip.members.keys.sorted().map { $0.hasSuffix(".npy") ? String($0.dropLast(4)) : $0 }
            throw DataFileError(path: zip.url.path, problem: "holds no array \(name) (it holds \(held.isEmpty ? "none" : held.joined(separator: ", "))); Keras's layout has x_train, y_train, x_test, y_test")
        }
        return member
    }

    static func array(_ name: String, in zip: ZipArchive, headerOnly: Bool = false) throws -> NPYArray {
        let member = try member(name, in: zip)
        let fail = { (problem: String) in DataFileError(path: zip.url.path, problem: "array \(name) \(problem)") }
        if headerOnly {
            // Enough for any header numpy writes; the data check is skipped by faking the length.
            let head = try zip.contents(member, prefix: 4096)
            return try NPYArray(head, fail: fail, headerOnly: true)
        }
        return try NPYArray(try zip.contents(member), fail: fail)
    }

    static func features(_ x: NPYArray, _ name: String, path: String) throws -> Int {
        guard x.element == .u1 || x.element == .f4 else {
            throw DataFileError(path: path, problem: "array \(name) holds \(x.element.rawValue); inputs must be uint8 or float32")
        }
        guard !x.shape.isEmpty else { throw DataFileError(path: path, problem: "array \(name) is a scalar; inputs need a sample axis") }
        let features = x.shape.dropFirst().reduce(1, *)
        guard features > 0 else { throw DataFileError(path: path, problem: "array \(name) has shape \(x.shape): samples of no values") }
        return features
    }

    static func labels(_ y: NPYArray, _ name: String, samples: Int, xName: String, path: String) throws -> [UInt8] {
        guard y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) else {
            throw DataFileError(path: path, problem: "array \(name) has shape \(y.shape); labels need one integer per sample (shape [N])")
        }
        guard y.shape[0] == samples else {
            throw DataFileError(path: path, problem: "array \(name) holds \(y.shape[0]) labels but \(xName) holds \(samples) samples")
        }
        var labels = [UInt8](repeating: 0, count: samples)
        for i in 0..<samples {
            let v = y.number(at: i)
            guard v.rounded() == v, v >= 0, v <= 255 else {
                throw DataFileError(path: path, problem: "array \(name)[\(i)] is \(v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v)); labels must be integers from 0 to 255")
            }
            labels[i] = UInt8(v)
        }
        return labels
    }

    static func load(_ url: URL) throws -> Dataset {
        let zip = try ZipArchive(url: url)
        let n = arrayNames
        var sets: [LabeledImages] = []
        var featureCount: Int?
        for (xName, yName) in [(n.xTrain, n.yTrain), (n.xTest, n.yTest)] {
            let x = try array(xName, in: zip)
            let features = try Self.features(x, xName, path: url.path)
            if let featureCount, featureCount != features {
                throw DataFileError(path: url.path, problem: "array \(xName) has shape \(x.shape), \(features) values per sample, but \(n.xTrain) has \(featureCount)")
            }
            featureCount = features
            let y = try array(yName, in: zip)
            let labels = try labels(y, yName, samples: x.shape[0], xName: xName, path: url.path)
            if x.element == .u1 {
                sets.append(LabeledImages(features: features, values: .bytes(x.bytes), labels: labels))
            } else {
                let values = x.floats
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw DataFileError(path: url.path, problem: "array \(xName) holds \(values[bad]) at sample \(bad / features), value \(bad % features); inputs must be finite")
                }
                sets.append(LabeledImages(features: features, values: .floats(values), labels: labels))
            }
        }
        let classes = max(2, Int(max(sets[0].labels.max() ?? 0, sets[1].labels.max() ?? 0)) + 1)
        return Dataset(name: url.path, features: featureCount ?? 1, classes: classes, train: sets[0], test: sets[1])
    }

    static func shape(_ url: URL) throws -> Shape {
        let zip = try ZipArchive(url: url)
        let n = arrayNames
        let xTrain = try array(n.xTrain, in: zip, headerOnly: true), xTest = try array(n.xTest, in: zip, headerOnly: true)
        let features = try Self.features(xTrain, n.xTrain, path: url.path)
        let testFeatures = try Self.features(xTest, n.xTest, path: url.path)
        guard features == testFeatures else {
            throw DataFileError(path: url.path, problem: "array \(n.xTest) has shape \(xTest.shape), \(testFeatures) values per sample, but \(n.xTrain) has \(features)")
        }
        let yTrain = try labels(try array(n.yTrain, in: zip), n.yTrain, samples: xTrain.shape[0], xName: n.xTrain, path: url.path)
        let yTest = try labels(try array(n.yTest, in: zip), n.yTest, samples: xTest.shape[0], xName: n.xTest, path: url.path)
        return Shape(trainCount: xTrain.shape[0], testCount: xTest.shape[0], features: features,
                     classes: max(2, Int(max(yTrain.max() ?? 0, yTest.max() ?? 0)) + 1), bytesPerFeature: xTrain.element.size)
    }
}
