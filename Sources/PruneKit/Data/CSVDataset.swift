import Foundation

/// Datasets as CSV files: a header row naming the columns, one sample per line, numeric
/// feature columns used as given and an integer label column (0–255). Errors name the file,
/// the line and the column.
enum CSVDataset {
    struct Table {
        var features: Int
        var count: Int
        var values: [Float]
        var labels: [UInt8]
        var featureNames: [String]
    }

    /// Reads `url`; with `labelsOnly`, features are checked but not kept (for the shape). Without
    /// `quoteValues` (a file a client uploaded), errors name the line and column but not the value.
    static func read(_ url: URL, labelColumn: String, labelsOnly: Bool = false, quoteValues: Bool = true) throws -> Table {
        func quoted(_ text: String, _ what: String, marks: Bool = true) -> String {
            quoteValues ? (marks ? "\"\(text.prefix(40))\"" : String(text.prefix(40))) : what
        }
        func fail(_ problem: String) -> DataFileError { DataFileError(path: url.path, problem: problem) }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch { throw fail("cannot be read (\(error.localizedDescription))") }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).makeIterator()
        func text(_ line: Data.SubSequence) -> String {
            var line = line
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            return String(decoding: line, as: UTF8.self)
        }
        guard let first = lines.next() else { throw fail("is empty; a header row naming the columns comes first") }
        let header = text(first).split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard let labelIndex = header.firstIndex(of: labelColumn) else {
            throw fail("has no column \"\(labelColumn)\" (/dataset/label_column) in its header: \(header.prefix(10).joined(separator: ", "))\(header.count > 10 ? ", ..." : "")")
        }
        guard header.count >= 2 else { throw fail("has only the label column; samples need at least one feature column") }
        var table = Table(features: header.count - 1, count: 0, values: [], labels: [],
                          featureNames: header.enumerated().filter { $0.offset != labelIndex }.map(\.element))
        var lineNumber = 1
        while let raw = lines.next() {
            lineNumber += 1
            let line = text(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == header.count else {
                throw fail("line \(lineNumber) has \(fields.count) fields but the header has \(header.count)")
            }
            for (column, field) in fields.enumerated() {
                let trimmed = field.trimmingCharacters(in: .whitespaces)
                guard let value = Double(trimmed) else {
                    throw fail("line \(lineNumber), column \"\(header[column])\": \(quoted(trimmed, "the value")) is not a number")
                }
                if column == labelIndex {
                    guard value.rounded() == value, value >= 0, value <= 255 else {
                        throw fail("line \(lineNumber), column \"\(header[column])\": label \(quoted(trimmed, "value", marks: false)) is not an integer from 0 to 255")
                    }
                    table.labels.append(UInt8(value))
                } else {
                    guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                        throw fail("line \(lineNumber), column \"\(header[column])\": \(quoted(trimmed, "the value", marks: false)) is not a finite number")
                    }
                    if !labelsOnly { table.values.append(Float(value)) }
                }
            }
            table.count += 1
        }
        guard table.count > 0 else { throw fail("has a header but no samples") }
        return table
    }

    static func load(train: URL, test: URL, labelColumn: String) throws -> Dataset {
        let a = try read(train, labelColumn: labelColumn), b = try read(test, labelColumn: labelColumn)
        try checkSameColumns(a, train, b, test)
        let classes = max(2, Int(max(a.labels.max() ?? 0, b.labels.max() ?? 0)) + 1)
        return Dataset(name: train.path, features: a.features, classes: classes,
                       train: LabeledImages(features: a.features, values: .floats(a.values), labels: a.labels),
                       test: LabeledImages(features: b.features, values: .floats(b.values), labels: b.labels))
    }

    static func shape(train: URL, test: URL, labelColumn: String) throws -> NPZDataset.Shape {
        let a = try read(train, labelColumn: labelColumn, labelsOnly: true), b = try read(test, labelColumn: labelColumn, labelsOnly: true)
        try checkSameColumns(a, train, b, test)
        return NPZDataset.Shape(trainCount: a.count, testCount: b.count, features: a.features,
                                classes: max(2, Int(max(a.labels.max() ?? 0, b.labels.max() ?? 0)) + 1), bytesPerFeature: 4)
    }

    static func checkSameColumns(_ a: Table, _ train: URL, _ b: Table, _ test: URL) throws {
        guard a.featureNames == b.featureNames else {
            throw DataFileError(path: test.path, problem: "has feature columns \(b.featureNames.prefix(8)) but \(train.lastPathComponent) has \(a.featureNames.prefix(8)); both need the same columns in the same order")
        }
    }
}
