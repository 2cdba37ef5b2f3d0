import Foundation

extension SummaryRow {
    /// A pruned network with every prunable layer pruned (not a control, not one layer alone).
    var isPrunedWhole: Bool { variant == .pruned && layer == nil }
}

/// The charts of schedules and controls: accuracy against compression, the sensitivity of
/// each layer, and the sparsity each layer reached.
extension SweepCharts {
    /// Controls are drawn dashed in their method's colour; small-dense networks in grey.
    static let smallDenseColor = "#7f7f7f"

    /// Per method and control, the control's rows as a dashed series at `x`.
    static func controls(_ summary: [SummaryRow], x: (SummaryRow) -> Double?, value: (SummaryRow) -> Spread) -> [LineChart.Series] {
        var result: [LineChart.Series] = []
        for variant in [PointVariant.randomReinit, .smallDense] {
            var methods: [PruningMethod] = []
            for row in summary where row.variant == variant && row.layer == nil && !methods.contains(row.method) { methods.append(row.method) }
            for method in methods {
                let points = summary.filter { $0.method == method && $0.variant == variant && $0.layer == nil }
                    .compactMap { row in x(row).map { LineChart.Point(x: $0, y: value(row), tooltip: row.tooltip()) } }
                result.append(LineChart.Series(name: "\(MethodStyle.label(method)) \(variant.rawValue)",
                                               color: variant == .smallDense ? smallDenseColor : MethodStyle.color(method),
                                               points: points, dashed: true))
            }
        }
        return result
    }

    /// x position of a compression ratio on a log2 axis.
    static func log2Ratio(_ row: SummaryRow) -> Double? {
        guard let ratio = row.compressionRatio?.mean, ratio.isFinite, ratio > 0 else { return nil }
        return log2(ratio)
    }

    /// Test accuracy against compression (original weights over nonzero weights) on a log2 axis from 1x to 1024x.
    public static func accuracyCompression(_ summary: [SummaryRow], baseline: UnprunedBaseline?, title: String) -> String {
        let accuracy = { (row: SummaryRow) in Spread(mean: row.accuracy.mean * 100, std: row.accuracy.std * 100) }
        let pruned = methods(summary).map { method in
            LineChart.Series(name: MethodStyle.label(method), color: MethodStyle.color(method),
                             points: summary.filter { $0.method == method && $0.isPrunedWhole }
                                .compactMap { row in log2Ratio(row).map { LineChart.Point(x: $0, y: accuracy(row), tooltip: row.tooltip()) } })
        }
        let largest = summary.compactMap(log2Ratio).max() ?? 0
        let top = max(10, Int(largest.rounded(.up)))
        let ticks = (0...top).map { (value: Double($0), label: "\(1 << $0)×") }
        return LineChart(
            title: "Test accuracy vs compression — \(title)", xLabel: "compression (original weights / nonzero weights, log scale)",
            yLabel: "test accuracy (%)",
            series: pruned + controls(summary, x: log2Ratio, value: accuracy),
            baseline: baseline.map { .init(label: "unpruned \(percent($0.accuracy.mean))", value: $0.accuracy.mean * 100) },
            xRange: 0...Double(top)
        ).withXTicks(ticks).svg()
    }

    /// Sensitivity analysis (each-layer scope): per method, one curve per layer pruned alone.
    /// Nil when the sweep pruned no layer alone.
    public static func sensitivity(_ summary: [SummaryRow], baseline: UnprunedBaseline?, title: String) -> String? {
        let alone = summary.filter { $0.variant == .pruned && $0.layer != nil }
        guard !alone.isEmpty else { return nil }
        var keys: [(PruningMethod, Int)] = []
        for row in alone where !keys.contains(where: { $0.0 == row.method && $0.1 == row.layer! }) { keys.append((row.method, row.layer!)) }
        let series = keys.map { method, layer in
            LineChart.Series(name: "\(MethodStyle.label(method)), layer \(layer) alone", color: layerColor(layer),
                             points: alone.filter { $0.method == method && $0.layer == layer }
                                .map { .init(x: $0.targetSparsity, y: Spread(mean: $0.accuracy.mean * 100, std: $0.accuracy.std * 100), tooltip: $0.tooltip()) },
                             dashed: method.removesUnits)
        }
        return LineChart(
            title: "Sensitivity of each layer — \(title)", xLabel: "sparsity of the one layer pruned (%, target)",
            yLabel: "test accuracy (%)", series: series,
            baseline: baseline.map { .init(label: "unpruned \(percent($0.accuracy.mean))", value: $0.accuracy.mean * 100) },
            xRange: 0...100
        ).svg()
    }

    /// The sparsity every layer reached at each point (pruned networks, every layer together):
    /// per method, one curve per layer. Nil when no such row has per-layer values.
    public static func layers(_ summary: [SummaryRow], title: String) -> String? {
        let rows = summary.filter { $0.isPrunedWhole && !$0.layerSparsity.isEmpty }
        guard !rows.isEmpty else { return nil }
        var series: [LineChart.Series] = []
        for method in methods(rows) {
            let ofMethod = rows.filter { $0.method == method }
            let layerCount = ofMethod.map(\.layerSparsity.count).min() ?? 0
            for layer in 0..<layerCount {
                series.append(LineChart.Series(
                    name: "\(MethodStyle.label(method)), layer \(layer)", color: layerColor(layer),
                    points: ofMethod.map { .init(x: $0.targetSparsity, y: Spread(mean: $0.layerSparsity[layer] * 100, std: 0),
                                                 tooltip: $0.tooltip(heading: String(format: "layer %d: %.2f%% of its weights removed", layer, $0.layerSparsity[layer] * 100))) },
                    dashed: method.removesUnits))
            }
        }
        return LineChart(
            title: "Sparsity per layer — \(title)", xLabel: "sparsity (% of weights removed, target)",
            yLabel: "weights removed from the layer (%)", series: series, yIncludes: [0, 100], xRange: 0...100
        ).svg()
    }

    /// Distinct colours for layers 0, 1, 2, ... (unit methods' curves dashed to tell them apart).
    static func layerColor(_ layer: Int) -> String {
        let palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
        return palette[layer % palette.count]
    }
}
