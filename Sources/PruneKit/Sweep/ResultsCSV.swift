import Foundation

/// `results.csv`: one `ResultRow` per line. Numbers are written in Swift's shortest
/// round-trip form, so rows read back are exactly the rows written (resume relies on it).
public enum ResultsCSV {
    /// The column names, in order (documented in the README): format `FormatVersion.results`.
    public static let header = scheduleHeader + ["host", "cpu"]
    /// The columns of format 2 (schedules, controls, layers, costs), before rows said where they were
    /// measured: such files still read (host and cpu not recorded) and resume.
    public static let scheduleHeader = firstHeader + [
        "schedule", "step", "variant", "layer", "epochs_trained", "compression_ratio",
        "macs", "dense_macs", "dead_units", "layer_dead_units", "train_seconds",
    ]
    /// The columns of results.csv before schedules existed (format 1): such files still read (one-shot rows) and resume.
    public static let firstHeader = [
        "method", "target_sparsity", "repeat", "seed", "achieved_sparsity", "layer_sparsity",
        "accuracy", "loss", "accuracy_before_finetune", "loss_before_finetune",
        "nonzero_parameters", "total_parameters", "dense_seconds", "pruned_seconds", "kernel",
    ]
    /// Separates the per-layer values inside the `layer_sparsity` column.
    public static let listSeparator: Character = ";"

    /// A `results.csv` whose content is not what PruneLab writes; names the line and column.
    public struct FormatError: Error, Equatable, CustomStringConvertible {
        /// 1-based line of the file where the problem is.
        public var line: Int
        /// The column at fault; nil for problems of the whole line (quoting, field count).
        public var column: String?
        /// What is wrong with the value or line.
        public var detail: String
        /// "results.csv line N, column C: detail", for logs and error responses.
        public var description: String {
            "results.csv line \(line)\(column.map { ", column \($0)" } ?? ""): \(detail)"
        }
    }

    /// The whole file, header first, one line per row in the order given.
    public static func encode(_ rows: [ResultRow]) -> String {
        CSV.encode([header] + rows.map(fields))
    }

    /// One row as results.csv writes it (this format's columns), without the line break: what a
    /// job store keeps per row.
    public static func line(_ row: ResultRow) -> String {
        String(CSV.encode([fields(row)]).dropLast())
    }

    /// Rows from lines of this format written by `line(_:)`, without a header; a `FormatError`'s
    /// line counts the given lines from 1.
    public static func decode(lines: [String]) throws -> [ResultRow] {
        do {
            return try decode(CSV.encode([header]) + lines.map { $0 + "\n" }.joined())
        } catch var error as FormatError {
            error.line -= 1
            throw error
        }
    }

    static func fields(_ row: ResultRow) -> [String] {
        [
            row.method.rawValue, number(row.targetSparsity), String(row.repeatIndex), String(row.seed),
            number(row.achievedSparsity), row.layerSparsity.map(number).joined(separator: String(listSeparator)),
            number(row.accuracy), number(row.loss),
            row.accuracyBeforeFinetune.map(number) ?? "", row.lossBeforeFinetune.map(number) ?? "",
            String(row.nonzeroParameters), String(row.totalParameters),
            number(row.denseSeconds), number(row.prunedSeconds), row.kernel.rawValue,
            row.schedule.rawValue, row.step.map(String.init) ?? "", row.variant.rawValue, row.layer.map(String.init) ?? "",
            row.epochsTrained.map(String.init) ?? "", row.compressionRatio.map(number) ?? "",
            row.macs.map(String.init) ?? "", row.denseMacs.map(String.init) ?? "",
            row.deadUnits.map(String.init) ?? "", row.layerDeadUnits.map(String.init).joined(separator: String(listSeparator)),
            row.trainSeconds.map(number) ?? "", row.host ?? "", row.cpu ?? "",
        ]
    }

    /// Shortest text that reads back as the same Double.
    static func number(_ value: Double) -> String { "\(value)" }

    /// The format a header is of (1, 2 or `FormatVersion.results`); nil: not a results.csv header.
    public static func formatVersion(ofHeader columns: [String]) -> Int? {
        switch columns {
        case firstHeader: return 1
        case scheduleHeader: return 2
        case header: return FormatVersion.results
        default: return nil
        }
    }

    /// Rows of a results.csv of any format so far; throws `FormatError` naming the line and column.
    public static func decode(_ text: String) throws -> [ResultRow] {
        let records: [[String]]
        do {
            records = try CSV.decode(text)
        } catch let error as CSV.ParseError {
            throw FormatError(line: error.line, column: nil, detail: error.detail)
        }
        guard let first = records.first else { return [] }
        guard formatVersion(ofHeader: first) != nil else {
            throw FormatError(line: 1, column: nil,
                              detail: "the header must be \(header.joined(separator: ",")), got \(first.joined(separator: ","))")
        }
        return try records.dropFirst().enumerated().map { offset, record in
            try row(record, columns: first, line: offset + 2)
        }
    }

    private static func row(_ record: [String], columns: [String], line: Int) throws -> ResultRow {
        guard record.count == columns.count else {
            throw FormatError(line: line, column: nil, detail: "expected \(columns.count) fields, got \(record.count)")
        }
        let reader = FieldReader(record: record, columns: columns, line: line)
        guard let method = PruningMethod(rawValue: record[0]) else {
            throw FormatError(line: line, column: "method", detail: "unknown method \"\(record[0])\"")
        }
        let layerText = try reader.text("layer_sparsity")
        var layerSparsity: [Double] = []
        if !layerText.isEmpty {
            for part in layerText.split(separator: listSeparator, omittingEmptySubsequences: false) {
                guard let value = Double(part), value.isFinite else {
                    throw FormatError(line: line, column: "layer_sparsity", detail: "\"\(part)\" is not a number")
                }
                layerSparsity.append(value)
            }
        }
        var row = ResultRow(
            method: method, targetSparsity: try reader.double("target_sparsity"),
            repeatIndex: try reader.int("repeat"), seed: try reader.int("seed"),
            achievedSparsity: try reader.double("achieved_sparsity"), layerSparsity: layerSparsity,
            accuracy: try reader.double("accuracy"), loss: try reader.double("loss"),
            accuracyBeforeFinetune: try reader.optionalDouble("accuracy_before_finetune"),
            lossBeforeFinetune: try reader.optionalDouble("loss_before_finetune"),
            nonzeroParameters: try reader.int("nonzero_parameters"), totalParameters: try reader.int("total_parameters"),
            denseSeconds: try reader.double("dense_seconds"), prunedSeconds: try reader.double("pruned_seconds"),
            kernel: try reader.kernel(), host: nil, cpu: nil)
        guard columns.count >= scheduleHeader.count else { return row }
        guard let schedule = PruningSchedule(rawValue: try reader.text("schedule")) else {
            throw FormatError(line: line, column: "schedule", detail: "unknown schedule \"\(try reader.text("schedule"))\"")
        }
        guard let variant = PointVariant(rawValue: try reader.text("variant")) else {
            throw FormatError(line: line, column: "variant", detail: "unknown variant \"\(try reader.text("variant"))\"")
        }
        row.schedule = schedule
        row.variant = variant
        row.step = try reader.optionalInt("step")
        row.layer = try reader.optionalInt("layer")
        row.epochsTrained = try reader.optionalInt("epochs_trained")
        row.compressionRatio = try reader.optionalDouble("compression_ratio")
        row.macs = try reader.optionalInt("macs")
        row.denseMacs = try reader.optionalInt("dense_macs")
        row.deadUnits = try reader.optionalInt("dead_units")
        let deadText = try reader.text("layer_dead_units")
        row.layerDeadUnits = try deadText.isEmpty ? [] : deadText.split(separator: listSeparator, omittingEmptySubsequences: false).map { part in
            guard let value = Int(part) else {
                throw FormatError(line: line, column: "layer_dead_units", detail: "\"\(part)\" is not an integer")
            }
            return value
        }
        row.trainSeconds = try reader.optionalDouble("train_seconds")
        guard columns.count == header.count else { return row }
        row.host = try reader.optionalText("host")
        row.cpu = try reader.optionalText("cpu")
        return row
    }

    /// Typed access to the fields of one record by column name.
    private struct FieldReader {
        let record: [String]
        let columns: [String]
        let line: Int

        func kernel() throws -> InferenceKernel {
            guard let kernel = InferenceKernel(rawValue: try text("kernel")) else {
                throw FormatError(line: line, column: "kernel", detail: "unknown kernel \"\(try text("kernel"))\"; expected csr, dense or shrunk")
            }
            return kernel
        }

        func text(_ column: String) throws -> String {
            record[columns.firstIndex(of: column)!]
        }

        func optionalText(_ column: String) throws -> String? {
            let value = try text(column)
            return value.isEmpty ? nil : value
        }

        func optionalInt(_ column: String) throws -> Int? {
            try text(column).isEmpty ? nil : int(column)
        }

        func int(_ column: String) throws -> Int {
            let raw = try text(column)
            guard let value = Int(raw) else { throw FormatError(line: line, column: column, detail: "\"\(raw)\" is not an integer") }
            return value
        }

        func double(_ column: String) throws -> Double {
            let raw = try text(column)
            // NaN is allowed: a loss can diverge, and the row should still say so.
            guard let value = Double(raw) else { throw FormatError(line: line, column: column, detail: "\"\(raw)\" is not a number") }
            return value
        }

        func optionalDouble(_ column: String) throws -> Double? {
            try text(column).isEmpty ? nil : double(column)
        }
    }
}
