import Foundation

/// The unpruned network's test metrics, mean over repeats: the dashed reference in the charts.
public struct UnprunedBaseline: Equatable, Sendable {
    /// Test accuracy of the unpruned network, 0...1.
    public var accuracy: Spread
    /// Mean test cross-entropy of the unpruned network.
    public var loss: Spread

    /// A baseline from already folded metrics.
    public init(accuracy: Spread, loss: Spread) {
        self.accuracy = accuracy
        self.loss = loss
    }

    /// Folds one evaluation per repeat into mean and standard deviation.
    public init(_ evaluations: [Evaluation]) {
        self.init(accuracy: Spread(evaluations.map(\.accuracy)), loss: Spread(evaluations.map(\.loss)))
    }
}

/// The three charts of a sweep against sparsity: accuracy, loss and inference time.
public enum SweepCharts {
    /// accuracy.svg: test accuracy (%) against target sparsity, a line per method, `baseline` dashed.
    public static func accuracy(_ summary: [SummaryRow], baseline: UnprunedBaseline?, title: String) -> String {
        LineChart(
            title: "Test accuracy vs sparsity — \(title)", xLabel: "sparsity (% of weights removed, target)", yLabel: "test accuracy (%)",
            series: series(summary) { Spread(mean: $0.accuracy.mean * 100, std: $0.accuracy.std * 100) }
                + beforeFinetune(summary) { $0.accuracyBeforeFinetune.map { Spread(mean: $0.mean * 100, std: $0.std * 100) } }
                + controls(summary, x: \.targetSparsity) { Spread(mean: $0.accuracy.mean * 100, std: $0.accuracy.std * 100) },
            baseline: baseline.map { .init(label: "unpruned \(percent($0.accuracy.mean))", value: $0.accuracy.mean * 100) },
            yIncludes: [], xRange: 0...100
        ).svg()
    }

    /// loss.svg: test loss against target sparsity, a line per method, `baseline` dashed.
    public static func loss(_ summary: [SummaryRow], baseline: UnprunedBaseline?, title: String) -> String {
        LineChart(
            title: "Test loss vs sparsity — \(title)", xLabel: "sparsity (% of weights removed, target)", yLabel: "mean cross-entropy loss",
            series: series(summary) { $0.loss } + beforeFinetune(summary) { $0.lossBeforeFinetune },
            baseline: baseline.map { .init(label: "unpruned \(String(format: "%.3f", $0.loss.mean))", value: $0.loss.mean) },
            yIncludes: [0], xRange: 0...100
        ).svg()
    }

    /// Time to run the whole test set through the pruned representation (CSR or the shrunk network);
    /// the dashed line is the dense network of the original shape.
    public static func latency(_ summary: [SummaryRow], title: String) -> String {
        let dense = summary.map(\.denseSeconds.mean)
        let denseMean = dense.isEmpty ? nil : dense.reduce(0, +) / Double(dense.count) * 1000
        return LineChart(
            title: "Inference time vs sparsity — \(title)", xLabel: "sparsity (% of weights removed, target)",
            yLabel: "time for the test set (ms)",
            series: series(summary) { Spread(mean: $0.prunedSeconds.mean * 1000, std: $0.prunedSeconds.std * 1000) },
            baseline: denseMean.map { .init(label: String(format: "dense %.0f ms", $0), value: $0) },
            yIncludes: [0], xRange: 0...100
        ).svg()
    }

    /// Per method, the pruned networks (every layer pruned together) as a solid line.
    static func series(_ summary: [SummaryRow], value: (SummaryRow) -> Spread) -> [LineChart.Series] {
        methods(summary).map { method in
            LineChart.Series(name: MethodStyle.label(method), color: MethodStyle.color(method),
                             points: summary.filter { $0.method == method && $0.isPrunedWhole }.map { .init(x: $0.targetSparsity, y: value($0), tooltip: $0.tooltip()) })
        }
    }

    /// With fine-tuning: per method, the values right after pruning, dotted in the method's colour.
    static func beforeFinetune(_ summary: [SummaryRow], value: (SummaryRow) -> Spread?) -> [LineChart.Series] {
        methods(summary).compactMap { method in
            let points = summary.filter { $0.method == method && $0.isPrunedWhole }.compactMap { row in value(row).map { LineChart.Point(x: row.targetSparsity, y: $0, tooltip: row.tooltip()) } }
            guard !points.isEmpty else { return nil }
            return LineChart.Series(name: "\(MethodStyle.label(method)) before fine-tuning", color: MethodStyle.color(method),
                                    points: points, dotted: true)
        }
    }

    /// Methods with pruned rows of every layer together, in order of first appearance.
    static func methods(_ summary: [SummaryRow]) -> [PruningMethod] {
        var methods: [PruningMethod] = []
        for row in summary where row.isPrunedWhole && !methods.contains(row.method) { methods.append(row.method) }
        return methods
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }
}
