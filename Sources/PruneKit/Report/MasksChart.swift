import Foundation

/// Where the network was cut, drawn from `MaskSummary`s: the first layer's kept fraction per
/// input as a heat map in the input's own shape (28×28 for MNIST-like images, a bar otherwise),
/// and per layer a bar of the weights and one of the units it kept.
///
/// Each heat map is `<g class="heatmap" data-method data-sparsity data-repeat data-variant
/// data-layer>` holding one `rect.cell` per input feature, in input order, its kept fraction in
/// `data-v`; each layer's bars are `rect.kept-weights` and `rect.kept-units` with `data-layer`
/// and `data-kept` (a fraction), inside `g.layer-bars`.
public enum MasksChart {
    /// masks.svg: every point of repeat 0 (all repeats of a one-repeat sweep), a row per method
    /// (× variant × layer alone), sparsities left to right.
    public static func sheet(_ file: MaskFile, title: String) -> String {
        let shown = file.points.filter { $0.repeatIndex == 0 }
        let repeats = Set(file.points.map(\.repeatIndex)).count
        var groups: [String] = []
        var members: [String: [MaskSummary]] = [:]
        for s in shown {
            let name = groupName(s)
            if members[name] == nil { groups.append(name) }
            members[name, default: []].append(s)
        }
        let image = file.inputShape.count == 2
        let panelWidth = image ? Double(file.inputShape[1]) * 3 : 168
        let heatHeight = image ? Double(file.inputShape[0]) * 3 : 14
        let layerCount = shown.map(\.layers.count).max() ?? 0
        let panelHeight = 16 + heatHeight + 6 + Double(layerCount) * 10 + 12
        let left = 150.0, gap = 16.0, perLine = 10
        var y = 100.0
        var children: [SVGElement] = [
            SVG.text("Where the network was cut — \(title)", x: 20, y: 28, size: 16, weight: "bold", cssClass: "chart-title"),
            SVG.text("heat map: the first layer's kept fraction per input (0: every path from it is gone)"
                     + (repeats > 1 ? "; repeat 0 of \(repeats) repeats" : ""), x: 20, y: 46, size: 11),
            SVG.text("bars: per layer, weights kept (red) and units kept (blue)", x: 20, y: 60, size: 11),
            colorScale(x: 20, y: 66, width: 200),
        ]
        for name in groups {
            let points = members[name]!.sorted { $0.targetSparsity < $1.targetSparsity }
            children.append(SVG.text(name, x: 20, y: y + 16 + heatHeight / 2, size: 13, weight: "bold", cssClass: "row-label"))
            for (i, s) in points.enumerated() {
                if i > 0 && i % perLine == 0 { y += panelHeight + gap }
                let x = left + Double(i % perLine) * (panelWidth + gap)
                var panel: [SVGElement] = [SVG.text("\(formatNumber(s.targetSparsity))%", x: 0, y: 11, size: 11, cssClass: "panel-label")]
                panel.append(heatMap(s, shape: file.inputShape, width: panelWidth, height: heatHeight, top: 16, cellTitles: false))
                panel.append(layerBars(s.layers, width: panelWidth, top: 16 + heatHeight + 6, barHeight: 4, labels: false))
                children.append(SVGElement("g", [("class", "point"), ("transform", "translate(\(SVG.format(x)) \(SVG.format(y)))")],
                                           children: [SVGElement("title", text: pointTitle(s))] + panel))
            }
            y += panelHeight + gap
        }
        if shown.isEmpty { children.append(SVG.text("no point recorded yet", x: 20, y: y, size: 12)) }
        let width = left + Double(min(perLine, members.values.map(\.count).max() ?? 1)) * (panelWidth + gap) + 10
        return SVGElement.document(width: max(width, 640), height: y + 10, title: "Where the network was cut — \(title)", children: children)
    }

    /// One point: its heat map large, a tooltip per input, and labeled bars per layer.
    public static func point(_ summary: MaskSummary, inputShape: [Int], title: String) -> String {
        let image = inputShape.count == 2
        let width = image ? Double(inputShape[1]) * 10 : 560
        let height = image ? Double(inputShape[0]) * 10 : 28
        let barsTop = 92 + height + 30
        let heading = "\(pointTitle(summary)) — \(title)"
        var children: [SVGElement] = [
            SVG.text(heading, x: 20, y: 28, size: 16, weight: "bold", cssClass: "chart-title"),
            SVG.text("the first layer's kept fraction per input: connections still on a path to an output (0: every path from it is gone)", x: 20, y: 48, size: 11),
            colorScale(x: 20, y: 58, width: 240),
            heatMap(summary, shape: inputShape, width: width, height: height, top: 0, cellTitles: true)
                .translated(x: 20, y: 92),
            SVG.text("per layer: weights kept (red) and units kept (blue)", x: 20, y: barsTop - 10, size: 12, weight: "bold"),
            layerBars(summary.layers, width: 300, top: 0, barHeight: 12, labels: true).translated(x: 90, y: barsTop),
        ]
        children.append(SVGElement("title", text: heading))
        let total = barsTop + Double(summary.layers.count) * 34 + 20
        return SVGElement.document(width: max(width + 40, 640), height: total, title: heading, children: children)
    }

    /// "weight", "unit random-reinit", "weight, layer 1 alone".
    static func groupName(_ s: MaskSummary) -> String {
        var name = MethodStyle.label(s.method)
        if s.variant != .pruned { name += " \(s.variant.rawValue)" }
        if let layer = s.layer { name += ", layer \(layer) alone" }
        return name
    }

    /// "weight 90% (repeat 0)" plus the variant and layer alone.
    static func pointTitle(_ s: MaskSummary) -> String {
        "\(groupName(s)) \(formatNumber(s.targetSparsity))% (repeat \(s.repeatIndex))"
    }

    /// The cells of `s.inputKept`, row-major in `shape` (`[rows, cols]`, or `[n]`: one row), filling `width` × `height`.
    static func heatMap(_ s: MaskSummary, shape: [Int], width: Double, height: Double, top: Double, cellTitles: Bool) -> SVGElement {
        let values = s.inputKept
        let cols = shape.count == 2 ? shape[1] : max(values.count, 1)
        let rows = shape.count == 2 ? shape[0] : 1
        let cw = width / Double(cols), ch = height / Double(rows)
        var cells: [SVGElement] = []
        cells.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            let r = i / cols, c = i % cols
            let attributes = [("class", "cell"), ("x", SVG.format(Double(c) * cw)), ("y", SVG.format(top + Double(r) * ch)),
                              ("width", SVG.format(cw)), ("height", SVG.format(ch)), ("fill", color(v)), ("data-v", ResultsCSV.number(v))]
            let tip = shape.count == 2 ? "pixel row \(r), column \(c): \(percent(v)) of its connections kept" : "input \(i): \(percent(v)) of its connections kept"
            cells.append(SVGElement("rect", attributes, children: cellTitles ? [SVGElement("title", text: tip)] : []))
        }
        var attributes = [("class", "heatmap"), ("data-method", s.method.rawValue), ("data-sparsity", ResultsCSV.number(s.targetSparsity)),
                          ("data-repeat", String(s.repeatIndex)), ("data-variant", s.variant.rawValue)]
        if let layer = s.layer { attributes.append(("data-layer", String(layer))) }
        return SVGElement("g", attributes, children: cells)
    }

    /// Per layer, a bar of the weights kept and one of the units kept, as fractions of `width`.
    static func layerBars(_ layers: [MaskSummary.LayerCut], width: Double, top: Double, barHeight: Double, labels: Bool) -> SVGElement {
        var parts: [SVGElement] = []
        let rowHeight = labels ? barHeight * 2 + 10 : barHeight * 2 + 2
        for (i, cut) in layers.enumerated() {
            let y = top + Double(i) * rowHeight
            let weights = Double(cut.weightsKept) / Double(max(cut.weightsTotal, 1))
            let units = Double(cut.unitsKept) / Double(max(cut.unitsTotal, 1))
            let tip = "layer \(cut.layer + 1): \(percent(weights)) of weights kept (\(WeightsChart.grouped(cut.weightsKept)) of \(WeightsChart.grouped(cut.weightsTotal))), "
                + "\(percent(units)) of units kept (\(WeightsChart.grouped(cut.unitsKept)) of \(WeightsChart.grouped(cut.unitsTotal)))"
            var row: [SVGElement] = [SVGElement("title", text: tip)]
            for (k, (kind, fraction, fill)) in [("kept-weights", weights, MethodStyle.color(.weight)), ("kept-units", units, MethodStyle.color(.unit))].enumerated() {
                let by = y + Double(k) * (barHeight + 1)
                row.append(SVGElement("rect", [("x", "0"), ("y", SVG.format(by)), ("width", SVG.format(width)), ("height", SVG.format(barHeight)), ("fill", "#eeeeee")]))
                row.append(SVGElement("rect", [("class", kind), ("x", "0"), ("y", SVG.format(by)), ("width", SVG.format(width * fraction)),
                                               ("height", SVG.format(barHeight)), ("fill", fill),
                                               ("data-layer", String(cut.layer)), ("data-kept", ResultsCSV.number(fraction))]))
            }
            if labels {
                row.append(SVG.text("layer \(cut.layer + 1)", x: -8, y: y + barHeight + 3, anchor: "end", size: 11))
                row.append(SVG.text("\(percent(weights)) weights", x: width + 8, y: y + barHeight - 2, size: 11))
                row.append(SVG.text("\(percent(units)) units", x: width + 8, y: y + 2 * barHeight + 0, size: 11))
            }
            parts.append(SVGElement("g", [("class", "layer-cut"), ("data-layer", String(cut.layer))], children: row))
        }
        return SVGElement("g", [("class", "layer-bars")], children: parts)
    }

    /// A strip from 0 (every path gone) to 1 (all kept).
    static func colorScale(x: Double, y: Double, width: Double) -> SVGElement {
        let steps = 20
        var parts: [SVGElement] = (0..<steps).map { i in
            SVGElement("rect", [("x", SVG.format(x + Double(i) * width / Double(steps))), ("y", SVG.format(y)),
                                ("width", SVG.format(width / Double(steps) + 0.3)), ("height", "10"),
                                ("fill", color(Double(i) / Double(steps - 1)))])
        }
        parts.append(SVG.text("0: cut", x: x, y: y + 22, size: 10))
        parts.append(SVG.text("1: all kept", x: x + width, y: y + 22, anchor: "end", size: 10))
        return SVGElement("g", [("class", "color-scale")], children: parts)
    }

    /// Viridis-like: dark purple (0) through teal to yellow (1).
    static func color(_ value: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let v = min(max(value.isFinite ? value : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(v), stops.count - 2)
        let t = v - Double(i)
        let a = stops[i], b = stops[i + 1]
        let channel = { (x: Double, y: Double) in Int((x + (y - x) * t).rounded()) }
        return String(format: "#%02x%02x%02x", channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }

    static func percent(_ fraction: Double) -> String {
        let p = fraction * 100
        return p == p.rounded() ? "\(Int(p))%" : String(format: "%.1f%%", p)
    }
}

extension SVGElement {
    /// The element inside a group moved by (x, y).
    func translated(x: Double, y: Double) -> SVGElement {
        if x == 0 && y == 0 { return self }
        return SVGElement("g", [("transform", "translate(\(SVG.format(x)) \(SVG.format(y)))")], children: [self])
    }
}
