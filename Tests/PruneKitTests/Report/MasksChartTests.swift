import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import PruneKit

final class MasksChartTests: XCTestCase {
    /// A 784-input network weight-pruned at 75%, with its summary.
    private func imageFile() -> (MaskFile, PrunedNetwork) {
        let model = MLP.glorotUniform(layerSizes: [784, 8, 3], bias: false, seed: 4)
        let pruned = Pruner.prune(model, method: .weight, sparsity: 75, pruneLastLayer: false, seed: 0)
        var file = MaskFile(inputShape: MaskSummary.inputShape(features: 784))
        file.recordTrained(LayerWeightStatistics.prunableLayers(of: model, pruneLastLayer: false), repeatIndex: 0)
        for (sparsity, network) in [(0.0, Pruner.prune(model, method: .weight, sparsity: 0, pruneLastLayer: false, seed: 0)), (75.0, pruned)] {
            file.record(MaskSummary(point: SweepPoint(method: .weight, targetSparsity: sparsity, repeatIndex: 0), network: network,
                                    trained: file.trainedWeights(repeatIndex: 0), pruneLastLayer: false))
        }
        return (file, pruned)
    }

    /// Per input, the share of its 8 first-layer weights left: every hidden unit still reaches
    /// an output here (the last layer is not pruned), so this is the kept fraction.
    private func expectedKept(_ network: PrunedNetwork) -> [Double] {
        let w = network.model.weights[0]
        return (0..<w.rows).map { r in Double((0..<w.cols).filter { w.data[r * w.cols + $0] != 0 }.count) / Double(w.cols) }
    }

    func testTheSheetDrawsEveryPointAs28By28CellsOfItsKeptFractions() throws {
        let (file, pruned) = imageFile()
        let root = try parseSVG(MasksChart.sheet(file, title: "test"))
        let maps = root.descendants("g").filter { $0.hasClass("heatmap") }
        XCTAssertEqual(maps.map { $0.value("data-sparsity") }, ["0.0", "75.0"])
        let cells = maps[1].descendants("rect").filter { $0.hasClass("cell") }
        XCTAssertEqual(cells.count, 784)
        let values = cells.compactMap { $0.value("data-v").flatMap(Double.init) }
        let expected = expectedKept(pruned)
        XCTAssertEqual(values.count, 784)
        for (value, want) in zip(values, expected) { XCTAssertEqual(value, want, accuracy: 1e-6) }
        XCTAssertTrue(expected.contains(0) && expected.contains { $0 > 0.5 }, "the test network has both cut and kept inputs")
        XCTAssertEqual(Set(cells.compactMap { $0.value("x") }).count, 28, "28 columns")
        XCTAssertEqual(Set(cells.compactMap { $0.value("y") }).count, 28, "28 rows")
        let dense = maps[0].descendants("rect").compactMap { $0.value("data-v") }
        XCTAssertEqual(Set(dense), ["1.0"])
        // Per layer, the weights kept: 25% of the first layer, all of the last.
        let bars = root.descendants("rect").filter { $0.hasClass("kept-weights") }
        XCTAssertEqual(bars.count, 4)
        XCTAssertEqual(Double(bars[2].value("data-kept") ?? ""), 0.25)
        XCTAssertEqual(Double(bars[3].value("data-kept") ?? ""), 1)
        let labels = root.descendants("text").compactMap(\.stringValue)
        XCTAssertTrue(labels.contains("weight") && labels.contains("75%"), "\(labels)")
    }

    func testOnePointGetsATooltipPerInputAndABarForOtherInputs() throws {
        let (file, _) = imageFile()
        let summary = try XCTUnwrap(file.points.last)
        let root = try parseSVG(MasksChart.point(summary, inputShape: file.inputShape, title: "test"))
        let cells = root.descendants("rect").filter { $0.hasClass("cell") }
        XCTAssertEqual(cells.count, 784)
        XCTAssertTrue(cells[0].descendants("title").first?.stringValue?.hasPrefix("pixel row 0, column 0:") ?? false)

        let model = MLP.glorotUniform(layerSizes: [16, 4, 2], bias: false, seed: 1)
        let network = Pruner.prune(model, method: .unit, sparsity: 50, pruneLastLayer: false, seed: 0)
        let bar = MaskSummary(point: SweepPoint(method: .unit, targetSparsity: 50, repeatIndex: 0), network: network, trained: nil, pruneLastLayer: false)
        let barRoot = try parseSVG(MasksChart.point(bar, inputShape: MaskSummary.inputShape(features: 16), title: "bar"))
        let barCells = barRoot.descendants("rect").filter { $0.hasClass("cell") }
        XCTAssertEqual(barCells.count, 16)
        XCTAssertEqual(Set(barCells.compactMap { $0.value("y") }).count, 1, "one row: inputs that are not images are a bar")
        XCTAssertEqual(barCells.compactMap { $0.value("data-v").flatMap(Double.init) }, bar.inputKept)
    }

    func testBeforeAndAfterHistogramsOfAPoint() throws {
        let (file, _) = imageFile()
        let summary = try XCTUnwrap(file.points.last)
        let root = try parseSVG(WeightsChart.beforeAfter(before: file.trainedWeights(repeatIndex: 0) ?? [], after: summary.weights, title: "t"))
        let stages = root.descendants("g").filter { $0.hasClass("stage") }
        XCTAssertEqual(stages.map { $0.value("data-stage") }, ["before", "after"])
        let count = { (stage: XMLElement) in stage.descendants("rect").compactMap { $0.value("data-count").flatMap(Int.init) }.reduce(0, +) }
        XCTAssertEqual(count(stages[0]), 784 * 8 + 8, "every weight and every column before")
        XCTAssertEqual(count(stages[1]), 784 * 2 + summary.weights[0].columnNorms.total, "a quarter of the weights after")
        XCTAssertNotNil(stages[1].descendants("rect").first { $0.hasClass("bar") }?.descendants("title").first, "bars have tooltips")
    }
}
