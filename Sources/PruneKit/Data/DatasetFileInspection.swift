import Foundation

/// What a dataset file holds, found by reading all of it with the checks a sweep applies (so a
/// file that passes here loads in a sweep).
public struct DatasetFileSummary: Sendable, Equatable {
    /// One array of an `.npz` file.
    public struct ArrayInfo: Sendable, Equatable {
        public var name: String
        /// numpy's type code without byte order: `u1`, `f4`, `i8`, ...
        public var dtype: String
        public var shape: [Int]
    }

    /// `.npz`: the four arrays of Keras's layout, in the order x_train, y_train, x_test, y_test.
    public var arrays: [ArrayInfo]
    /// CSV: the header's column names in order.
    public var columns: [String]
    /// CSV: the column holding the labels.
    public var labelColumn: String?
    /// Samples (of an `.npz`: training and test together).
    public var samples: Int
    public var features: Int
    /// One more than the largest label (at least 2), as a sweep counts them.
    public var classes: Int
}

public enum DatasetFileInspection {
    /// An `.npz` in Keras's layout; throws `DataFileError` naming the array and what is wrong.
    public static func npz(_ url: URL) throws -> DatasetFileSummary {
        let dataset = try NPZDataset.load(url)
        let zip = try ZipArchive(url: url)
        let n = NPZDataset.arrayNames
        let arrays = try [n.xTrain, n.yTrain, n.xTest, n.yTest].map { name in
            let header = try NPZDataset.array(name, in: zip, headerOnly: true)
            return DatasetFileSummary.ArrayInfo(name: name, dtype: header.element.rawValue, shape: header.shape)
        }
        return DatasetFileSummary(arrays: arrays, columns: [], labelColumn: nil,
                                  samples: dataset.train.count + dataset.test.count, features: dataset.features, classes: dataset.classes)
    }

    /// One CSV file with a header row and `labelColumn`; errors name the line and column but
    /// never quote the file's values.
    public static func csv(_ url: URL, labelColumn: String) throws -> DatasetFileSummary {
        let table = try CSVDataset.read(url, labelColumn: labelColumn, labelsOnly: true, quoteValues: false)
        var columns = table.featureNames
        // The header order, with the label column back in its place.
        let header = try headerNames(url)
        if header.count == columns.count + 1 { columns = header }
        return DatasetFileSummary(arrays: [], columns: columns, labelColumn: labelColumn, samples: table.count,
                                  features: table.features, classes: max(2, Int(table.labels.max() ?? 0) + 1))
    }

    private static func headerNames(_ url: URL) throws -> [String] {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let start = try handle.read(upToCount: 1 << 20) ?? Data()
        let line = start.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? Data()
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            .split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }
}
