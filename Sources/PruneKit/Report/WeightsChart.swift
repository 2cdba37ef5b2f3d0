import Foundation

/// weights.svg: per prunable layer, the histogram of |w| (left, red: what weight pruning ranks)
/// next to the histogram of column L2 norms (right, blue: what unit pruning ranks). The study's
/// hypothesis is visible here: most weights sit near zero, while column norms do not.
///
/// Each histogram is a group `<g class="histogram" data-layer="L" data-kind="magnitude|column-norm">`
/// of `rect.bar` elements carrying their count in `data-count`.
public enum WeightsChart {
    static let panelWidth = 330.0, panelHeight = 170.0
    static let columnLeft = [70.0, 450.0]
    static let top = 70.0, rowHeight = 240.0

    /// The whole SVG document for `layers`, one row of two histograms per layer, under `title`.
    public static func svg(_ layers: [LayerWeightStatistics], title: String) -> String {
        let height = top + Double(layers.count) * rowHeight + 10
        var children: [SVGElement] = [
            SVG.text("Weight magnitudes and column norms — \(title)", x: 420, y: 28, anchor: "middle", size: 16, weight: "bold", cssClass: "chart-title"),
            SVG.text("left: |w| of every weight (weight pruning removes the smallest); right: L2 norm of every output unit's column (unit pruning removes the smallest)",
                     x: 420, y: 48, anchor: "middle", size: 11),
        ]
        for (row, stats) in layers.enumerated() {
            let y = top + Double(row) * rowHeight + 20
            children += panels(stats, label: "layer \(stats.layer + 1) (\(stats.inputs)×\(stats.outputs))",
                               weights: stats.inputs * stats.outputs, columns: stats.outputs, top: y)
        }
        return SVGElement.document(width: 840, height: height, title: "Weight magnitudes and column norms — \(title)", children: children)
    }

    /// One point's weights.svg: per prunable layer, the trained network's histograms (a row in
    /// `g[data-stage=before]`) above those of what pruning left (`g[data-stage=after]`: the
    /// nonzero weights and the kept columns only, on the same range where they fit in it).
    public static func beforeAfter(before: [LayerWeightStatistics], after: [LayerWeightStatistics], title: String) -> String {
        let rows: [(stage: String, stats: LayerWeightStatistics)] = after.flatMap { a in
            (before.first { $0.layer == a.layer }.map { [("before", $0)] } ?? []) + [("after", a)]
        }
        let height = top + Double(rows.count) * rowHeight + 10
        var children: [SVGElement] = [
            SVG.text("Weights before and after pruning — \(title)", x: 420, y: 28, anchor: "middle", size: 16, weight: "bold", cssClass: "chart-title"),
            SVG.text("per layer: the trained network (before), then the weights pruning left (after: nonzero |w| and the kept units' column norms)",
                     x: 420, y: 48, anchor: "middle", size: 11),
        ]
        for (row, entry) in rows.enumerated() {
            let y = top + Double(row) * rowHeight + 20
            let stats = entry.stats
            let row = panels(stats, label: "layer \(stats.layer + 1) \(entry.stage)",
                             weights: stats.magnitudes.total, columns: stats.columnNorms.total, top: y)
            children.append(SVGElement("g", [("class", "stage"), ("data-stage", entry.stage), ("data-layer", String(stats.layer))],
                                       children: row))
        }
        return SVGElement.document(width: 840, height: height, title: "Weights before and after pruning — \(title)", children: children)
    }

    /// A layer's row: the histogram of |w| (of `weights` weights) and that of the column norms (of `columns` columns).
    static func panels(_ stats: LayerWeightStatistics, label: String, weights: Int, columns: Int, top y: Double) -> [SVGElement] {
        [panel(stats.magnitudes, layer: stats.layer, kind: "magnitude", title: "\(label): |w| of \(grouped(weights)) weights",
               xLabel: "|w|", color: MethodStyle.color(.weight), left: columnLeft[0], top: y),
         panel(stats.columnNorms, layer: stats.layer, kind: "column-norm", title: "\(label): L2 norms of \(grouped(columns)) columns",
               xLabel: "column L2 norm", color: MethodStyle.color(.unit), left: columnLeft[1], top: y)]
    }

    /// 1234567 -> "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// One histogram with its axes; bar heights are the share (%) of the layer's values in each bin.
    static func panel(_ histogram: Histogram, layer: Int, kind: String, title: String, xLabel: String,
                      color: String, left: Double, top: Double) -> SVGElement {
        let total = max(histogram.total, 1)
        let shares = histogram.counts.map { Double($0) / Double(total) * 100 }
        let xAxis = ChartAxis(covering: 0, histogram.upper, targetTicks: 5)
        let yAxis = ChartAxis(covering: 0, shares.max() ?? 1, targetTicks: 5)
        let bottom = top + panelHeight
        let right = left + panelWidth
        let px = { (x: Double) in xAxis.position(x, from: left, to: right) }
        let py = { (y: Double) in yAxis.position(y, from: bottom, to: top) }

        var bars: [SVGElement] = []
        for (i, count) in histogram.counts.enumerated() where count > 0 {
            let x0 = px(Double(i) * histogram.binWidth), x1 = px(Double(i + 1) * histogram.binWidth)
            let y = py(shares[i])
            bars.append(SVGElement("rect", [("class", "bar"), ("x", SVG.format(x0)), ("y", SVG.format(y)),
                                            ("width", SVG.format(max(x1 - x0 - 0.5, 0.5))), ("height", SVG.format(bottom - y)),
                                            ("fill", color), ("data-count", String(count))],
                                 children: [SVGElement("title", text: "\(xLabel) " + String(format: "%.4g – %.4g", Double(i) * histogram.binWidth, Double(i + 1) * histogram.binWidth)
                                                                  + ": \(grouped(count)) values (" + String(format: "%.1f%%", shares[i]) + ")")]))
        }
        var axes: [SVGElement] = [
            SVGElement("rect", [("x", SVG.format(left)), ("y", SVG.format(top)), ("width", SVG.format(panelWidth)),
                                ("height", SVG.format(panelHeight)), ("fill", "none"), ("stroke", "#333333")]),
        ]
        for t in xAxis.ticks {
            axes.append(SVG.line(x1: px(t), y1: bottom, x2: px(t), y2: bottom + 4, stroke: "#333333"))
            axes.append(SVG.text(xAxis.label(t), x: px(t), y: bottom + 16, anchor: "middle", size: 10))
        }
        for t in yAxis.ticks {
            axes.append(SVG.line(x1: left - 4, y1: py(t), x2: left, y2: py(t), stroke: "#333333"))
            axes.append(SVG.text(yAxis.label(t), x: left - 7, y: py(t) + 3, anchor: "end", size: 10))
        }
        axes.append(SVG.text(xLabel, x: (left + right) / 2, y: bottom + 32, anchor: "middle", cssClass: "axis-label"))
        axes.append(SVG.text("% of values", x: left - 42, y: (top + bottom) / 2, anchor: "middle", rotate: -90, cssClass: "axis-label"))
        axes.append(SVG.text(title, x: left, y: top - 8, size: 12, weight: "bold", cssClass: "panel-title"))
        return SVGElement("g", [("class", "histogram"), ("data-layer", String(layer)), ("data-kind", kind)], children: axes + bars)
    }
}
