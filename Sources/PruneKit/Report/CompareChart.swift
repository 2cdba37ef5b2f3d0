import Foundation

/// One sweep in a comparison: the name its legend entries carry and its results.csv rows.
public struct ComparedJob: Sendable {
    public var name: String
    public var rows: [ResultRow]
    public init(name: String, rows: [ResultRow]) {
        self.name = name
        self.rows = rows
    }
}

/// What a comparison plots on y.
public enum CompareMetric: String, CaseIterable, Sendable {
    /// Test accuracy (%).
    case accuracy
    /// Mean test cross-entropy.
    case loss
    /// Time for the test set through the pruned network (ms).
    case latency
}

/// What a comparison plots on x.
public enum CompareAxis: String, CaseIterable, Sendable {
    /// Target sparsity (%).
    case sparsity
    /// Original weights over nonzero weights, on a log2 axis.
    case compression
}

/// compare.svg: several sweeps' results overlaid, one series per job × method (× variant),
/// coloured by method (`MethodStyle`) and told apart by a dash pattern per job; bands of
/// mean ± std where a job has repeats. Drawn by `LineChart`, so its structure is the sweep
/// charts' (`g.series[data-series="JOB — METHOD"]`, `circle.point` with a `<title>`).
public enum CompareChart {
    /// Dash patterns for the 1st, 2nd, ... job (the first solid).
    static let jobDashes: [String?] = [nil, "8 4", "2 3", "12 3 2 3", "4 4", "16 4"]

    public static func svg(_ jobs: [ComparedJob], metric: CompareMetric, x: CompareAxis) -> String {
        var series: [LineChart.Series] = []
        for (index, job) in jobs.enumerated() {
            let summary = SummaryRow.summarize(job.rows).filter { $0.layer == nil }
            var keys: [(PruningMethod, PointVariant)] = []
            for row in summary where !keys.contains(where: { $0 == (row.method, row.variant) }) { keys.append((row.method, row.variant)) }
            for (method, variant) in keys {
                let rows = summary.filter { $0.method == method && $0.variant == variant }
                let points = rows.compactMap { row in
                    position(row, x).map { LineChart.Point(x: $0, y: value(row, metric), tooltip: row.tooltip(heading: job.name)) }
                }
                let name = "\(job.name) — \(MethodStyle.label(method))" + (variant == .pruned ? "" : " \(variant.rawValue)")
                let color = variant == .smallDense ? SweepCharts.smallDenseColor : MethodStyle.color(method)
                series.append(LineChart.Series(name: name, color: color, points: points,
                                               dashPattern: jobDashes[index % jobDashes.count]))
            }
        }
        let yLabel: String
        switch metric {
        case .accuracy: yLabel = "test accuracy (%)"
        case .loss: yLabel = "mean cross-entropy loss"
        case .latency: yLabel = "time for the test set (ms)"
        }
        let names = jobs.map(\.name).joined(separator: ", ")
        let title = "\(metric.rawValue.capitalized) vs \(x.rawValue) — \(names)"
        switch x {
        case .sparsity:
            return LineChart(title: title, xLabel: "sparsity (% of weights removed, target)", yLabel: yLabel, series: series,
                             yIncludes: metric == .accuracy ? [] : [0], xRange: 0...100).svg()
        case .compression:
            let largest = series.flatMap { $0.points.map(\.x) }.max() ?? 0
            let top = max(4, Int(largest.rounded(.up)))
            let ticks = (0...top).map { (value: Double($0), label: "\(1 << $0)×") }
            return LineChart(title: title, xLabel: "compression (original weights / nonzero weights, log scale)", yLabel: yLabel,
                             series: series, yIncludes: metric == .accuracy ? [] : [0], xRange: 0...Double(top)).withXTicks(ticks).svg()
        }
    }

    /// Where a row sits on x; nil when it has no compression ratio (rows from before the column).
    static func position(_ row: SummaryRow, _ axis: CompareAxis) -> Double? {
        switch axis {
        case .sparsity: return row.targetSparsity
        case .compression: return SweepCharts.log2Ratio(row)
        }
    }

    static func value(_ row: SummaryRow, _ metric: CompareMetric) -> Spread {
        switch metric {
        case .accuracy: return Spread(mean: row.accuracy.mean * 100, std: row.accuracy.std * 100)
        case .loss: return row.loss
        case .latency: return Spread(mean: row.prunedSeconds.mean * 1000, std: row.prunedSeconds.std * 1000)
        }
    }

    /// Legend names for jobs: their own names, with `distinguisher` (an id, a folder) added to
    /// names that several jobs share.
    public static func legendNames(_ names: [String], distinguishers: [String]) -> [String] {
        names.enumerated().map { i, name in
            names.filter { $0 == name }.count > 1 ? "\(name) (\(distinguishers[i]))" : name
        }
    }

    /// A comparison read from sweep folders: each folder's results.csv, named by its spec's name
    /// (or the folder's name without a readable spec.json).
    public static func jobs(folders: [URL]) throws -> [ComparedJob] {
        var names: [String] = []
        var rows: [[ResultRow]] = []
        for folder in folders {
            let results = folder.appendingPathComponent("results.csv")
            guard let text = try? String(contentsOf: results, encoding: .utf8) else {
                throw SweepError.unreadableFile(path: results.path, detail: "no results.csv: not a sweep's folder, or it has measured no point yet")
            }
            do {
                rows.append(try ResultsCSV.decode(text))
            } catch {
                throw SweepError.unreadableFile(path: results.path, detail: "\(error)")
            }
            let spec = FileManager.default.contents(atPath: folder.appendingPathComponent("spec.json").path)
                .flatMap { try? JSONDecoder().decode(SweepSpec.self, from: $0) }
            names.append(spec?.name ?? folder.lastPathComponent)
        }
        let legend = legendNames(names, distinguishers: folders.map(\.lastPathComponent))
        return zip(legend, rows).map { ComparedJob(name: $0, rows: $1) }
    }
}
