import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import PruneKit

final class CompareChartTests: XCTestCase {
    private func rows(repeats: Int, shift: Double) -> [ResultRow] {
        var rows: [ResultRow] = []
        for r in 0..<repeats {
            for method in [PruningMethod.weight, .unit] {
                for (i, s) in [0.0, 50, 90].enumerated() {
                    var row = sampleRow(method: method, sparsity: s, repeatIndex: r, accuracy: 0.9 - Double(i) * 0.2 + Double(r) * 0.02 - shift,
                                        loss: 0.3 + Double(i), dense: 0.5, pruned: 0.4 - Double(i) * 0.1)
                    row.compressionRatio = 100 / (100 - s)
                    rows.append(row)
                }
            }
        }
        return rows
    }

    private func seriesByName(_ root: XMLElement) -> [String: XMLElement] {
        Dictionary(uniqueKeysWithValues: root.descendants("g").filter { $0.hasClass("series") }.map { ($0.value("data-series")!, $0) })
    }

    func testOneSeriesPerJobAndMethodWithLegendsBandsAndTooltips() throws {
        let jobs = [ComparedJob(name: "seed", rows: rows(repeats: 2, shift: 0)), ComparedJob(name: "lottery", rows: rows(repeats: 1, shift: 0.1))]
        let root = try parseSVG(CompareChart.svg(jobs, metric: .accuracy, x: .sparsity))
        let series = seriesByName(root)
        XCTAssertEqual(Set(series.keys), ["seed — weight", "seed — unit", "lottery — weight", "lottery — unit"])
        let legend = root.descendants("g").first { $0.hasClass("legend") }?.descendants("text").compactMap(\.stringValue) ?? []
        XCTAssertEqual(legend, ["seed — weight", "seed — unit", "lottery — weight", "lottery — unit", "mean ± std over repeats"])
        XCTAssertEqual(series["seed — weight"]?.descendants("polygon").filter { $0.hasClass("band") }.count, 1, "repeats give a band")
        XCTAssertEqual(series["lottery — weight"]?.descendants("polygon").count, 0, "one repeat: no band")
        // Jobs are told apart by their dash pattern, methods by colour.
        let line = { (name: String) in series[name]?.descendants("polyline").first }
        XCTAssertNil(line("seed — weight")?.value("stroke-dasharray"))
        XCTAssertNotNil(line("lottery — weight")?.value("stroke-dasharray"))
        XCTAssertEqual(line("seed — weight")?.value("stroke"), line("lottery — weight")?.value("stroke"))

        let points = try XCTUnwrap(series["lottery — unit"]?.descendants("circle"))
        let values: [Double] = points.compactMap { $0.value("data-y").flatMap(Double.init) }
        XCTAssertEqual(values.map { ($0 * 1e6).rounded() / 1e6 }, [80, 60, 40])
        let tip = try XCTUnwrap(points[1].descendants("title").first?.stringValue)
        for part in ["lottery", "unit", "target sparsity 50%", "achieved 49.50%", "accuracy 60.00% ± 0.00", "loss 1.3000", "nonzeros 1,234", "kernel shrunk", "time 300.0 ms"] {
            XCTAssertTrue(tip.contains(part), "\"\(tip)\" lacks \"\(part)\"")
        }
        let seedTip = try XCTUnwrap(series["seed — weight"]?.descendants("circle").first?.descendants("title").first?.stringValue)
        XCTAssertTrue(seedTip.contains("accuracy 91.00% ± 1.41 (2 repeats)"), seedTip)
    }

    func testLossLatencyAndCompressionAxes() throws {
        let jobs = [ComparedJob(name: "a", rows: rows(repeats: 1, shift: 0))]
        let latency = try parseSVG(CompareChart.svg(jobs, metric: .latency, x: .compression))
        let points = seriesByName(latency)["a — weight"]?.descendants("circle") ?? []
        let xs: [Double] = points.compactMap { $0.value("data-x").flatMap(Double.init) }
        let expectedX: [Double] = [0, 1, log2(10)]
        XCTAssertEqual(xs.count, 3)
        for (x, want) in zip(xs, expectedX) { XCTAssertEqual(x, want, accuracy: 1e-9) }
        let ys: [Double] = points.compactMap { $0.value("data-y").flatMap(Double.init) }
        XCTAssertEqual(ys.map { $0.rounded() }, [400, 300, 200])
        let ticks = latency.descendants("g").first { $0.hasClass("x-axis") }?.descendants("text").compactMap(\.stringValue) ?? []
        XCTAssertTrue(ticks.contains("1×") && ticks.contains("16×"), "\(ticks)")
        let loss = try parseSVG(CompareChart.svg(jobs, metric: .loss, x: .sparsity))
        XCTAssertEqual(seriesByName(loss)["a — unit"]?.descendants("circle").compactMap { $0.value("data-y").flatMap(Double.init) }, [0.3, 1.3, 2.3])
    }

    func testSharedNamesAreToldApartAndFoldersAreRead() throws {
        XCTAssertEqual(CompareChart.legendNames(["seed", "seed", "other"], distinguishers: ["a", "b", "c"]), ["seed (a)", "seed (b)", "other"])
        let folder = try makeTemporaryFolder(self)
        let a = folder.appendingPathComponent("run-a"), b = folder.appendingPathComponent("run-b")
        for url in [a, b] {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try ResultsCSV.encode(rows(repeats: 1, shift: 0)).write(to: url.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        }
        var spec = SweepSpec()
        spec.name = "named"
        try JSONEncoder().encode(spec).write(to: a.appendingPathComponent("spec.json"))
        let jobs = try CompareChart.jobs(folders: [a, b])
        XCTAssertEqual(jobs.map(\.name), ["named", "run-b"], "the spec's name, else the folder's")
        XCTAssertEqual(jobs[0].rows.count, 6)
        XCTAssertThrowsError(try CompareChart.jobs(folders: [folder.appendingPathComponent("missing")])) { error in
            XCTAssertTrue("\(error)".contains("missing/results.csv"), "\(error)")
        }
    }

    func testSweepChartsCarryTooltipsWithTheRowsValues() throws {
        let summary = SummaryRow.summarize(rows(repeats: 1, shift: 0))
        let root = try parseSVG(SweepCharts.accuracy(summary, baseline: nil, title: "t"))
        let circles = root.descendants("circle").filter { $0.hasClass("point") }
        XCTAssertEqual(circles.count, 6)
        for circle in circles {
            let y = try XCTUnwrap(circle.value("data-y").flatMap(Double.init))
            let tip = try XCTUnwrap(circle.descendants("title").first?.stringValue)
            XCTAssertTrue(tip.contains(String(format: "accuracy %.2f%%", y)), "\(tip) lacks accuracy \(y)")
        }
        for chart in [SweepCharts.loss(summary, baseline: nil, title: "t"), SweepCharts.latency(summary, title: "t"),
                      SweepCharts.accuracyCompression(summary, baseline: nil, title: "t"), SweepCharts.layers(summary, title: "t") ?? ""] {
            let points = try parseSVG(chart).descendants("circle").filter { $0.hasClass("point") }
            XCTAssertFalse(points.isEmpty)
            XCTAssertTrue(points.allSatisfy { ($0.descendants("title").first?.stringValue ?? "").contains("kernel") })
        }
    }
}
