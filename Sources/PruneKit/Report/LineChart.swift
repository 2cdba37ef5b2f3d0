import Foundation

/// A line chart of one quantity against sparsity: a line per pruning method, a shaded band of
/// mean ± std when there are repeats, and the unpruned network as a dashed horizontal line.
///
/// Every series is an SVG group `<g class="series" data-series="NAME">` holding its band
/// (`polygon.band`), its line (`polyline.line`) and one `circle.point` per point, so tests
/// and scripts can read the chart back. A dotted series is a secondary view of a method
/// (its values before fine-tuning).
struct LineChart: Sendable {
    struct Point: Sendable, Equatable {
        var x: Double
        var y: Spread
        /// What hovering the point shows (a native `<title>`, so it works without JavaScript).
        var tooltip: String?
        init(x: Double, y: Spread, tooltip: String? = nil) { self.x = x; self.y = y; self.tooltip = tooltip }
    }

    struct Series: Sendable {
        var name: String
        var color: String
        var points: [Point]
        /// Dotted: a secondary series of the same method (before fine-tuning).
        var dotted: Bool
        /// Dashed: a control of the method (random reinitialisation, small dense).
        var dashed: Bool
        /// A dash pattern of its own (the compare chart tells jobs apart by it); overrides dotted and dashed.
        var dashPattern: String?
        init(name: String, color: String, points: [Point], dotted: Bool = false, dashed: Bool = false, dashPattern: String? = nil) {
            self.name = name
            self.color = color
            self.points = points.sorted { $0.x < $1.x }
            self.dotted = dotted
            self.dashed = dashed
            self.dashPattern = dashPattern
        }

        var dash: String? { dashPattern ?? (dotted ? LineChart.dottedDash : dashed ? LineChart.controlDash : nil) }
    }

    /// Dash patterns: the baseline dashed, secondary series dotted, controls in long dashes.
    static let baselineDash = "6 4", dottedDash = "2 3", controlDash = "9 4"

    /// A horizontal reference drawn dashed across the plot (the unpruned network).
    struct Baseline: Sendable {
        var label: String
        var value: Double
        init(label: String, value: Double) { self.label = label; self.value = value }
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var baseline: Baseline?
    /// Values the y axis must include even if no data reaches them (e.g. 0 for times).
    var yIncludes: [Double]
    /// Fixed x range when given (sparsity: 0...100).
    var xRange: ClosedRange<Double>?
    /// Tick values and labels of the x axis when they are not plain numbers (log2 compression: 1x, 2x, 4x...).
    var xTicks: [(value: Double, label: String)]?

    init(title: String, xLabel: String, yLabel: String, series: [Series], baseline: Baseline? = nil,
                yIncludes: [Double] = [], xRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.baseline = baseline
        self.yIncludes = yIncludes
        self.xRange = xRange
    }

    /// The same chart with its own x ticks.
    func withXTicks(_ ticks: [(value: Double, label: String)]) -> LineChart {
        var chart = self
        chart.xTicks = ticks
        return chart
    }

    static let width = 760.0, height = 460.0
    static let plotLeft = 76.0, plotRight = 560.0, plotTop = 52.0, plotBottom = 396.0

    /// Whether any series has spread to show (repeats > 1).
    var hasBands: Bool { series.contains { $0.points.contains { $0.y.std > 0 } } }

    func svg() -> String {
        let xs = series.flatMap { $0.points.map(\.x) }
        var ys = series.flatMap { $0.points.flatMap { [$0.y.mean - $0.y.std, $0.y.mean + $0.y.std] } } + yIncludes
        if let baseline { ys.append(baseline.value) }
        ys = ys.filter(\.isFinite)
        var xAxis = ChartAxis(covering: xRange?.lowerBound ?? xs.min() ?? 0, xRange?.upperBound ?? xs.max() ?? 1)
        if let xTicks, let first = xTicks.first, let last = xTicks.last, last.value > first.value {
            xAxis = ChartAxis(lower: first.value, upper: last.value, ticks: xTicks.map(\.value))
        }
        let yAxis = ChartAxis(covering: ys.min() ?? 0, ys.max() ?? 1)
        let px = { (x: Double) in xAxis.position(x, from: Self.plotLeft, to: Self.plotRight) }
        let py = { (y: Double) in yAxis.position(y, from: Self.plotBottom, to: Self.plotTop) }

        var children: [SVGElement] = [SVG.text(title, x: Self.width / 2, y: 28, anchor: "middle", size: 16, weight: "bold", cssClass: "chart-title")]
        children += axes(xAxis: xAxis, yAxis: yAxis, px: px, py: py)
        var plot: [SVGElement] = []
        if let baseline, baseline.value.isFinite {
            plot.append(SVG.line(x1: Self.plotLeft, y1: py(baseline.value), x2: Self.plotRight, y2: py(baseline.value),
                                 stroke: "#333333", width: 1.5, dash: Self.baselineDash, cssClass: "baseline"))
        }
        for s in series { plot.append(group(for: s, px: px, py: py)) }
        children.append(SVGElement("g", [("class", "plot")], children: plot))
        children.append(legend())
        // Widen the canvas when legend labels would run off its right edge (about 7 px a character).
        let longestLabel = (series.map(\.name) + [baseline?.label ?? "", hasBands ? "mean ± std over repeats" : ""]).map(\.count).max() ?? 0
        let width = max(Self.width, Self.plotRight + 54 + Double(longestLabel) * 7 + 10)
        return SVGElement.document(width: width, height: Self.height, title: title, children: children)
    }

    private func axes(xAxis: ChartAxis, yAxis: ChartAxis, px: (Double) -> Double, py: (Double) -> Double) -> [SVGElement] {
        var grid: [SVGElement] = []
        var xTicks: [SVGElement] = []
        for t in xAxis.ticks {
            let x = px(t)
            grid.append(SVG.line(x1: x, y1: Self.plotTop, x2: x, y2: Self.plotBottom, stroke: "#e5e5e5"))
            xTicks.append(SVG.line(x1: x, y1: Self.plotBottom, x2: x, y2: Self.plotBottom + 5, stroke: "#333333"))
            let label = self.xTicks?.first { $0.value == t }?.label ?? xAxis.label(t)
            xTicks.append(SVG.text(label, x: x, y: Self.plotBottom + 19, anchor: "middle"))
        }
        var yTicks: [SVGElement] = []
        for t in yAxis.ticks {
            let y = py(t)
            grid.append(SVG.line(x1: Self.plotLeft, y1: y, x2: Self.plotRight, y2: y, stroke: "#e5e5e5"))
            yTicks.append(SVG.line(x1: Self.plotLeft - 5, y1: y, x2: Self.plotLeft, y2: y, stroke: "#333333"))
            yTicks.append(SVG.text(yAxis.label(t), x: Self.plotLeft - 8, y: y + 4, anchor: "end"))
        }
        let frame = SVGElement("rect", [("x", SVG.format(Self.plotLeft)), ("y", SVG.format(Self.plotTop)),
                                        ("width", SVG.format(Self.plotRight - Self.plotLeft)), ("height", SVG.format(Self.plotBottom - Self.plotTop)),
                                        ("fill", "none"), ("stroke", "#333333")])
        let midY = (Self.plotTop + Self.plotBottom) / 2
        return [
            SVGElement("g", [("class", "grid")], children: grid),
            frame,
            SVGElement("g", [("class", "axis x-axis")], children: xTicks + [
                SVG.text(xLabel, x: (Self.plotLeft + Self.plotRight) / 2, y: Self.plotBottom + 42, anchor: "middle", size: 13, cssClass: "axis-label"),
            ]),
            SVGElement("g", [("class", "axis y-axis")], children: yTicks + [
                SVG.text(yLabel, x: 22, y: midY, anchor: "middle", size: 13, rotate: -90, cssClass: "axis-label"),
            ]),
        ]
    }

    private func group(for s: Series, px: (Double) -> Double, py: (Double) -> Double) -> SVGElement {
        var parts: [SVGElement] = [SVGElement("title", text: s.name)]
        let finite = s.points.filter { $0.y.mean.isFinite && $0.y.std.isFinite }
        // Only a series with spread gets a band (a one-repeat job beside a repeated one has none).
        if hasBands && finite.count > 1 && finite.contains(where: { $0.y.std > 0 }) {
            let upper = finite.map { (px($0.x), py($0.y.mean + $0.y.std)) }
            let lower = finite.reversed().map { (px($0.x), py($0.y.mean - $0.y.std)) }
            parts.append(SVGElement("polygon", [("class", "band"), ("points", SVG.points(upper + lower)),
                                                ("fill", s.color), ("fill-opacity", "0.18"), ("stroke", "none")]))
        }
        var line = [("class", "line"), ("points", SVG.points(finite.map { (px($0.x), py($0.y.mean)) })),
                    ("fill", "none"), ("stroke", s.color), ("stroke-width", "2")]
        if let dash = s.dash { line.append(("stroke-dasharray", dash)) }
        parts.append(SVGElement("polyline", line))
        for p in finite {
            parts.append(SVGElement("circle", [("class", "point"), ("cx", SVG.format(px(p.x))), ("cy", SVG.format(py(p.y.mean))),
                                               ("r", "3.5"), ("fill", s.color),
                                               ("data-x", ResultsCSV.number(p.x)), ("data-y", ResultsCSV.number(p.y.mean)),
                                               ("data-std", ResultsCSV.number(p.y.std))],
                                       children: [SVGElement("title", text: p.tooltip ?? "\(s.name): \(ResultsCSV.number(p.y.mean)) at \(ResultsCSV.number(p.x))")]))
        }
        return SVGElement("g", [("class", "series"), ("data-series", s.name)], children: parts)
    }

    private func legend() -> SVGElement {
        let x = Self.plotRight + 20
        var y = Self.plotTop + 8
        var entries: [SVGElement] = []
        for s in series {
            entries.append(SVG.line(x1: x, y1: y, x2: x + 26, y2: y, stroke: s.color, width: 2.5, dash: s.dash))
            entries.append(SVG.text(s.name, x: x + 34, y: y + 4, cssClass: "legend-label"))
            y += 22
        }
        if let baseline {
            entries.append(SVG.line(x1: x, y1: y, x2: x + 26, y2: y, stroke: "#333333", width: 1.5, dash: Self.baselineDash))
            entries.append(SVG.text(baseline.label, x: x + 34, y: y + 4, cssClass: "legend-label"))
            y += 22
        }
        if hasBands {
            entries.append(SVGElement("rect", [("x", SVG.format(x)), ("y", SVG.format(y - 6)), ("width", "26"), ("height", "12"),
                                               ("fill", "#777777"), ("fill-opacity", "0.18")]))
            entries.append(SVG.text("mean ± std over repeats", x: x + 34, y: y + 4, cssClass: "legend-label"))
        }
        return SVGElement("g", [("class", "legend")], children: entries)
    }
}
