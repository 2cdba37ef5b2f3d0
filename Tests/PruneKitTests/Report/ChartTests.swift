import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import PruneKit

final class ChartTests: XCTestCase {
    // MARK: Axis

    func testTicksAreNiceAndCoverTheRange() {
        let axis = ChartAxis(covering: 0, 100)
        XCTAssertEqual(axis.ticks, [0, 20, 40, 60, 80, 100])
        let odd = ChartAxis(covering: 0.137, 0.912)
        XCTAssertEqual(odd.lower, 0.0, accuracy: 1e-12)
        XCTAssertEqual(odd.upper, 1.0, accuracy: 1e-12)
        XCTAssertEqual(odd.ticks.count, 6)
        XCTAssertEqual(odd.label(odd.ticks[1]), "0.2")
    }

    func testFlatRangeStillGetsAnAxis() {
        let axis = ChartAxis(covering: 5, 5)
        XCTAssertLessThan(axis.lower, 5)
        XCTAssertGreaterThan(axis.upper, 5)
        XCTAssertGreaterThan(axis.ticks.count, 1)
    }

    func testNiceSteps() {
        XCTAssertEqual(ChartAxis.niceStep(0.13), 0.2, accuracy: 1e-12)
        XCTAssertEqual(ChartAxis.niceStep(3), 5)
        XCTAssertEqual(ChartAxis.niceStep(7), 10)
        XCTAssertEqual(ChartAxis.niceStep(20), 20)
    }

    func testPositionMapsEndsToPixels() {
        let axis = ChartAxis(covering: 0, 10)
        XCTAssertEqual(axis.position(0, from: 400, to: 50), 400)
        XCTAssertEqual(axis.position(10, from: 400, to: 50), 50)
        XCTAssertEqual(axis.position(5, from: 400, to: 50), 225)
    }

    // MARK: Sweep charts

    private func summary(repeats: Int) -> [SummaryRow] {
        var rows: [ResultRow] = []
        for r in 0..<repeats {
            for method in [PruningMethod.weight, .unit, .randomWeight] {
                for (i, s) in [0.0, 50, 90].enumerated() {
                    rows.append(sampleRow(method: method, sparsity: s, repeatIndex: r, accuracy: 0.9 - Double(i) * 0.2 + Double(r) * 0.02,
                                          loss: 0.3 + Double(i) + Double(r) * 0.05, dense: 0.5, pruned: 0.5 - Double(i) * 0.2))
                }
            }
        }
        return SummaryRow.summarize(rows)
    }

    private func series(_ root: XMLElement) -> [String: XMLElement] {
        Dictionary(uniqueKeysWithValues: root.descendants("g").filter { $0.hasClass("series") }.map { ($0.value("data-series")!, $0) })
    }

    func testAccuracyChartHoldsEverySeriesWithItsPointsAndColours() throws {
        let baseline = UnprunedBaseline(accuracy: Spread(mean: 0.91, std: 0), loss: Spread(mean: 0.3, std: 0))
        let root = try parseSVG(SweepCharts.accuracy(summary(repeats: 1), baseline: baseline, title: "test <run>"))
        let groups = series(root)
        XCTAssertEqual(Set(groups.keys), ["weight", "unit", "random-weight"])
        let weight = try XCTUnwrap(groups["weight"])
        let points = weight.descendants("circle").filter { $0.hasClass("point") }
        XCTAssertEqual(points.map { $0.value("data-x") }, ["0.0", "50.0", "90.0"])
        XCTAssertEqual(points.compactMap { Double($0.value("data-y") ?? "") }.map { ($0 * 1000).rounded() / 1000 }, [90, 70, 50])
        XCTAssertEqual(weight.descendants("polyline").first?.value("stroke"), "#d62728", "weight pruning is red")
        XCTAssertEqual(groups["unit"]?.descendants("polyline").first?.value("stroke"), "#1f77b4", "unit pruning is blue")
        let colours = Set(groups.values.compactMap { $0.descendants("polyline").first?.value("stroke") })
        XCTAssertEqual(colours.count, 3, "each method has its own colour")
        XCTAssertTrue(root.descendants("polygon").filter { $0.hasClass("band") }.isEmpty, "no band without repeats")

        let dashed = root.descendants("line").filter { $0.hasClass("baseline") }
        XCTAssertEqual(dashed.count, 1)
        XCTAssertNotNil(dashed.first?.value("stroke-dasharray"))
        let texts = root.descendants("text").compactMap(\.stringValue)
        XCTAssertTrue(texts.contains("Test accuracy vs sparsity — test <run>"))
        XCTAssertTrue(texts.contains("test accuracy (%)"))
        XCTAssertTrue(texts.contains("sparsity (% of weights removed, target)"))
        XCTAssertTrue(texts.contains("unpruned 91.0%"), "the legend names the baseline")
        XCTAssertTrue(texts.contains("random-weight"), "the legend names every method")
        for tick in ["0", "20", "40", "60", "80", "100"] { XCTAssertTrue(texts.contains(tick), "x tick \(tick)") }
    }

    func testRepeatsAddABandOfSpreadPerSeries() throws {
        let root = try parseSVG(SweepCharts.loss(summary(repeats: 3), baseline: nil, title: "r"))
        for (name, group) in series(root) {
            let bands = group.descendants("polygon").filter { $0.hasClass("band") }
            XCTAssertEqual(bands.count, 1, name)
            // Upper edge there and lower edge back: two vertices per point.
            XCTAssertEqual(bands.first?.value("points")?.split(separator: " ").count, 6, name)
        }
        XCTAssertTrue(root.descendants("text").contains { $0.stringValue == "mean ± std over repeats" })
        XCTAssertTrue(root.descendants("line").filter { $0.hasClass("baseline") }.isEmpty, "no baseline given, none drawn")
    }

    func testLatencyChartShowsPrunedTimesAgainstTheDenseNetwork() throws {
        let root = try parseSVG(SweepCharts.latency(summary(repeats: 1), title: "t"))
        let unitPoints = try XCTUnwrap(series(root)["unit"]).descendants("circle")
        XCTAssertEqual(unitPoints.compactMap { Double($0.value("data-y") ?? "") }.map { $0.rounded() }, [500, 300, 100])
        XCTAssertEqual(root.descendants("line").filter { $0.hasClass("baseline") }.count, 1)
        XCTAssertTrue(root.descendants("text").contains { $0.stringValue == "dense 500 ms" })
    }

    func testFineTuningAddsADottedSeriesBeforeFineTuningPerMethod() throws {
        let rows = [sampleRow(method: .weight, sparsity: 50, accuracy: 0.9, finetuned: true),
                    sampleRow(method: .weight, sparsity: 90, accuracy: 0.8, finetuned: true),
                    sampleRow(method: .unit, sparsity: 90, accuracy: 0.7, finetuned: true)]
        let root = try parseSVG(SweepCharts.accuracy(SummaryRow.summarize(rows), baseline: nil, title: "ft"))
        let groups = series(root)
        XCTAssertEqual(Set(groups.keys), ["weight", "unit", "weight before fine-tuning", "unit before fine-tuning"])
        let before = try XCTUnwrap(groups["weight before fine-tuning"])
        XCTAssertEqual(before.descendants("circle").compactMap { Double($0.value("data-y") ?? "") }.map { ($0 * 10).rounded() / 10 }, [80, 70])
        XCTAssertEqual(before.descendants("polyline").first?.value("stroke"), "#d62728")
        XCTAssertNotNil(before.descendants("polyline").first?.value("stroke-dasharray"))
        XCTAssertNil(groups["weight"]?.descendants("polyline").first?.value("stroke-dasharray"))
        let loss = try parseSVG(SweepCharts.loss(SummaryRow.summarize(rows), baseline: nil, title: "ft"))
        XCTAssertNotNil(series(loss)["unit before fine-tuning"])
        XCTAssertEqual(series(try parseSVG(SweepCharts.accuracy(summary(repeats: 1), baseline: nil, title: "no ft"))).count, 3,
                       "no fine-tuning, no extra series")
    }

    func testEmptySummaryStillGivesAValidChart() throws {
        let root = try parseSVG(SweepCharts.accuracy([], baseline: nil, title: "empty"))
        XCTAssertTrue(series(root).isEmpty)
    }

    // MARK: Weights chart

    func testHistogramBinsValuesUpToTheMaximum() {
        let h = Histogram([0, 0.1, 0.5, 0.99, 1.0], bins: 4)
        XCTAssertEqual(h.upper, 1)
        XCTAssertEqual(h.counts, [2, 0, 1, 2])
        XCTAssertEqual(h.total, 5)
    }

    func testTheMagnitudeHistogramOfFloatsIsTheGeneralOne() {
        var random = SeededGenerator(seed: 3)
        var weights = (0..<5000).map { i -> Float in i % 3 == 0 ? 0 : Float(Int64(bitPattern: random.next()) % 10_000) / 7919 }
        weights += [.infinity, -.infinity, .nan, -0.0, -1.5]
        for atLeast in [nil, 0.5, 100.0] {
            XCTAssertEqual(Histogram(magnitudesOf: weights, skippingZeros: false, bins: 40, atLeast: atLeast),
                           Histogram(weights.lazy.map { Double(abs($0)) }, bins: 40, atLeast: atLeast))
            XCTAssertEqual(Histogram(magnitudesOf: weights, skippingZeros: true, bins: 40, atLeast: atLeast),
                           Histogram(weights.lazy.filter { $0 != 0 }.map { Double(abs($0)) }, bins: 40, atLeast: atLeast))
        }
        XCTAssertEqual(Histogram(magnitudesOf: [0, 0], skippingZeros: true, bins: 3).counts, [0, 0, 0])
    }

    func testSubnormalWeightsCountAsTheNonzeroWeightsTheyAre() {
        // Only subnormal weights, as an imported network may hold: not flushed to zero (denormals
        // are flushed inside Parallel's pieces), so not skipped, and the largest sets the range.
        let tiny = Float.leastNormalMagnitude / 4
        let histogram = Histogram(magnitudesOf: [tiny, 0, -tiny, 0], skippingZeros: true, bins: 4)
        XCTAssertEqual(histogram.upper, Double(tiny))
        XCTAssertEqual(histogram.counts, [0, 0, 0, 2])
        XCTAssertEqual(histogram, Histogram([Double(tiny), Double(tiny)], bins: 4))
    }

    func testHistogramOfZerosHasOneFullBin() {
        XCTAssertEqual(Histogram([0, 0, 0], bins: 3).counts, [3, 0, 0])
    }

    func testColumnNorms() {
        let w = Matrix(rows: 2, cols: 3, data: [3, 0, 1, 4, 0, -1])
        XCTAssertEqual(LayerWeightStatistics.columnNorms(w), [5, 0, 2.0.squareRoot()])
    }

    func testWeightsChartHasTwoHistogramsPerPrunableLayer() throws {
        let model = MLP.glorotUniform(layerSizes: [20, 12, 6, 3], bias: false, seed: 5)
        let layers = LayerWeightStatistics.prunableLayers(of: model, pruneLastLayer: false, bins: 10)
        XCTAssertEqual(layers.map(\.layer), [0, 1])
        let root = try parseSVG(WeightsChart.svg(layers, title: "w & b"))
        let histograms = root.descendants("g").filter { $0.hasClass("histogram") }
        XCTAssertEqual(histograms.map { "\($0.value("data-layer")!) \($0.value("data-kind")!)" },
                       ["0 magnitude", "0 column-norm", "1 magnitude", "1 column-norm"])
        func count(_ g: XMLElement) -> Int { g.descendants("rect").compactMap { Int($0.value("data-count") ?? "") }.reduce(0, +) }
        XCTAssertEqual(histograms.map(count), [240, 12, 72, 6], "every weight and every column is counted once")
        XCTAssertEqual(histograms[0].descendants("rect").first { $0.hasClass("bar") }?.value("fill"), "#d62728")
        XCTAssertEqual(histograms[1].descendants("rect").first { $0.hasClass("bar") }?.value("fill"), "#1f77b4")
        let texts = root.descendants("text").compactMap(\.stringValue)
        XCTAssertTrue(texts.contains("|w|") && texts.contains("column L2 norm") && texts.contains("% of values"))
        XCTAssertTrue(texts.contains("layer 1 (20×12): |w| of 240 weights"))
        XCTAssertEqual(LayerWeightStatistics.prunableLayers(of: model, pruneLastLayer: true).count, 3)
    }

    func testLargeCountsAreGrouped() {
        XCTAssertEqual(WeightsChart.grouped(784000), "784,000")
        XCTAssertEqual(WeightsChart.grouped(1_000_000), "1,000,000")
        XCTAssertEqual(WeightsChart.grouped(999), "999")
        XCTAssertEqual(WeightsChart.grouped(-1234), "-1,234")
    }
}
