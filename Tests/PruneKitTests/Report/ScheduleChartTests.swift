import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import PruneKit

final class ScheduleChartTests: XCTestCase {
    private func row(_ method: PruningMethod, _ sparsity: Double, variant: PointVariant = .pruned, layer: Int? = nil,
                     accuracy: Double, ratio: Double, layers: [Double] = [0.5, 0.5, 0]) -> ResultRow {
        var row = sampleRow(method: method, sparsity: sparsity, accuracy: accuracy)
        row.variant = variant
        row.layer = layer
        row.compressionRatio = ratio
        row.layerSparsity = layers
        return row
    }

    private func series(_ root: XMLElement) -> [String: XMLElement] {
        Dictionary(uniqueKeysWithValues: root.descendants("g").filter { $0.hasClass("series") }.map { ($0.value("data-series")!, $0) })
    }

    private func xs(_ group: XMLElement?) -> [Double] {
        (group?.descendants("circle") ?? []).compactMap { Double($0.value("data-x") ?? "") }
    }

    func testAccuracyAgainstCompressionIsOnALog2AxisWithControlsDashed() throws {
        let rows = [row(.weight, 50, accuracy: 0.9, ratio: 2), row(.weight, 75, accuracy: 0.85, ratio: 4),
                    row(.weight, 50, variant: .randomReinit, accuracy: 0.8, ratio: 2),
                    row(.weight, 75, variant: .smallDense, accuracy: 0.7, ratio: 4.2)]
        let root = try parseSVG(SweepCharts.accuracyCompression(SummaryRow.summarize(rows), baseline: nil, title: "c"))
        let groups = series(root)
        XCTAssertEqual(Set(groups.keys), ["weight", "weight random-reinit", "weight small-dense"])
        XCTAssertEqual(xs(groups["weight"]), [1, 2])
        XCTAssertEqual(xs(groups["weight small-dense"]).first ?? 0, log2(4.2), accuracy: 1e-12)
        let line = { (name: String) in groups[name]?.descendants("polyline").first }
        XCTAssertNil(line("weight")?.value("stroke-dasharray"))
        XCTAssertEqual(line("weight random-reinit")?.value("stroke"), "#d62728", "a control is in its method's colour")
        XCTAssertNotNil(line("weight random-reinit")?.value("stroke-dasharray"))
        XCTAssertEqual(line("weight small-dense")?.value("stroke"), "#7f7f7f", "small-dense is grey")
        let texts = root.descendants("text").compactMap(\.stringValue)
        for tick in ["1×", "2×", "4×", "64×", "1024×"] { XCTAssertTrue(texts.contains(tick), "x tick \(tick)") }
        // The sparsity chart draws the same controls dashed as well.
        let accuracy = series(try parseSVG(SweepCharts.accuracy(SummaryRow.summarize(rows), baseline: nil, title: "a")))
        XCTAssertEqual(Set(accuracy.keys), ["weight", "weight random-reinit", "weight small-dense"])
        XCTAssertEqual(xs(accuracy["weight"]), [50, 75])
    }

    func testSensitivityHasOneCurvePerLayerAndOnlyWithTheEachLayerScope() throws {
        let rows = [row(.weight, 50, layer: 0, accuracy: 0.9, ratio: 1.5), row(.weight, 90, layer: 0, accuracy: 0.6, ratio: 3),
                    row(.weight, 50, layer: 1, accuracy: 0.91, ratio: 1.1), row(.weight, 90, layer: 1, accuracy: 0.88, ratio: 1.2)]
        let svg = try XCTUnwrap(SweepCharts.sensitivity(SummaryRow.summarize(rows), baseline: nil, title: "s"))
        let groups = series(try parseSVG(svg))
        XCTAssertEqual(Set(groups.keys), ["weight, layer 0 alone", "weight, layer 1 alone"])
        XCTAssertEqual(xs(groups["weight, layer 1 alone"]), [50, 90])
        XCTAssertNil(SweepCharts.sensitivity(SummaryRow.summarize([row(.weight, 50, accuracy: 0.9, ratio: 2)]), baseline: nil, title: "s"))
        // Layers pruned alone are not curves of the sparsity chart.
        XCTAssertTrue(series(try parseSVG(SweepCharts.accuracy(SummaryRow.summarize(rows), baseline: nil, title: "a")))
            .values.allSatisfy { $0.descendants("circle").isEmpty })
    }

    func testLayersChartShowsTheSparsityOfEachLayerAtEachPoint() throws {
        let rows = [row(.globalWeight, 50, accuracy: 0.9, ratio: 2, layers: [0.6, 0.3, 0]),
                    row(.globalWeight, 90, accuracy: 0.8, ratio: 10, layers: [0.95, 0.7, 0])]
        let svg = try XCTUnwrap(SweepCharts.layers(SummaryRow.summarize(rows), title: "l"))
        let groups = series(try parseSVG(svg))
        XCTAssertEqual(Set(groups.keys), ["global-weight, layer 0", "global-weight, layer 1", "global-weight, layer 2"])
        let ys = groups["global-weight, layer 0"]!.descendants("circle").compactMap { Double($0.value("data-y") ?? "") }
        XCTAssertEqual(ys, [60, 95])
    }
}
