import Foundation
import XCTest
@testable import PruneKit

/// Where a network was cut, on networks small enough to work out by hand.
final class MaskSummaryTests: XCTestCase {
    private func network(_ model: MLP, method: PruningMethod = .weight) -> PrunedNetwork {
        PrunedNetwork(method: method, targetSparsity: 50, model: model, masks: nil, keptUnits: [], layerSparsity: [], achievedSparsity: 0.5,
                      nonzeroParameters: model.nonzeroParameterCount, originalParameters: model.parameterCount, originalLayerSizes: model.layerSizes)
    }

    func testWeightPruningCountsOnlyConnectionsThatStillReachAnOutput() {
        // 3 inputs, 2 hidden units, 2 outputs. Hidden unit 0 has no outgoing weight left, so the
        // connections into it lead nowhere; only input 2's connection to unit 1 survives.
        let model = MLP(weights: [Matrix(rows: 3, cols: 2, data: [1, 0, 0, 0, 2, 3]), Matrix(rows: 2, cols: 2, data: [0, 0, 1, 1])])
        let trained = [LayerWeightStatistics(layer: 0, weights: Matrix(rows: 3, cols: 2, data: [5, 1, 1, 1, 1, 1]))]
        let point = SweepPoint(method: .weight, targetSparsity: 50, repeatIndex: 1)
        let summary = MaskSummary(point: point, network: network(model), trained: trained, pruneLastLayer: false, bins: 5)
        XCTAssertEqual(summary.inputKept, [0, 0, 0.5])
        XCTAssertEqual(summary.layers, [
            MaskSummary.LayerCut(layer: 0, weightsKept: 3, weightsTotal: 6, unitsKept: 1, unitsTotal: 2),
            MaskSummary.LayerCut(layer: 1, weightsKept: 2, weightsTotal: 4, unitsKept: 2, unitsTotal: 2),
        ])
        XCTAssertEqual(summary.point, point)
        XCTAssertEqual(summary.weights.count, 1, "the last layer is not pruned, so it is not shown")
        XCTAssertEqual(summary.weights[0].magnitudes.total, 3, "only the weights left")
        XCTAssertEqual(summary.weights[0].magnitudes.upper, 5, "on the trained network's range")
        XCTAssertEqual(summary.weights[0].magnitudes.counts, [0, 1, 1, 1, 0])
        XCTAssertEqual(summary.weights[0].columnNorms.total, 2)
    }

    func testUnitPruningZeroesInputsWhoseEveryPathIsGone() {
        // Units 0 and 1 have the smallest column norms and go at 50%; input 0 fed only them.
        let w0 = Matrix(rows: 4, cols: 4, data: [0.01, 0.01, 0, 0,
                                                 0.5, 0.5, 1, 1,
                                                 0.1, 0.1, 2, 2,
                                                 0, 0, 0, 3])
        let model = MLP(weights: [w0, Matrix(rows: 4, cols: 2, repeating: 1)])
        let pruned = Pruner.prune(model, method: .unit, sparsity: 50, pruneLastLayer: false, seed: 0)
        XCTAssertEqual(pruned.keptUnits, [[2, 3]])
        let summary = MaskSummary(point: SweepPoint(method: .unit, targetSparsity: 50, repeatIndex: 0), network: pruned,
                                  trained: nil, pruneLastLayer: false)
        XCTAssertEqual(summary.inputKept, [0, 0.5, 0.5, 0.25])
        XCTAssertEqual(summary.layers.map(\.weightsKept), [5, 4])
        XCTAssertEqual(summary.layers.map(\.weightsTotal), [16, 8], "counted against the original shape")
        XCTAssertEqual(summary.layers.map(\.unitsKept), [2, 2])
        XCTAssertEqual(summary.weights[0].columnNorms.total, 2, "the kept columns only")
    }

    func testABiasFeedsAUnitWithNoIncomingWeight() {
        let model = MLP(weights: [Matrix(rows: 2, cols: 2, data: [0, 1, 0, 1]), Matrix(rows: 2, cols: 1, data: [1, 1])], biases: [[0.5, 0], [0]])
        let cut = MaskSummary.cut(of: model)
        XCTAssertEqual(cut.layers[0].unitsKept, 2, "unit 0 has only its bias, and still reaches the output")
        XCTAssertEqual(cut.inputKept, [0.5, 0.5])
    }

    func testTheFileKeepsOnePointEachAndRoundTrips() throws {
        let model = MLP.glorotUniform(layerSizes: [6, 4, 3], bias: false, seed: 2)
        var file = MaskFile(inputShape: MaskSummary.inputShape(features: 6))
        XCTAssertEqual(file.inputShape, [6])
        XCTAssertEqual(MaskSummary.inputShape(features: 784), [28, 28])
        file.recordTrained(LayerWeightStatistics.prunableLayers(of: model, pruneLastLayer: false), repeatIndex: 0)
        let point = SweepPoint(method: .weight, targetSparsity: 50, repeatIndex: 0)
        for sparsity in [50.0, 50.0, 80.0] {
            let pruned = Pruner.prune(model, method: .weight, sparsity: sparsity, pruneLastLayer: false, seed: 0)
            file.record(MaskSummary(point: SweepPoint(method: .weight, targetSparsity: sparsity, repeatIndex: 0), network: pruned,
                                    trained: file.trainedWeights(repeatIndex: 0), pruneLastLayer: false))
        }
        XCTAssertEqual(file.points.map(\.targetSparsity), [50, 80], "a point recorded again replaces its entry")
        let decoded = try JSONDecoder().decode(MaskFile.self, from: file.encoded())
        XCTAssertEqual(decoded, file)
        XCTAssertEqual(decoded.summary(of: point)?.layers[0].weightsKept, 12)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: file.encoded()) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["format_version", "input_shape", "trained", "points"])
        let first = try XCTUnwrap((json["points"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(first.keys), ["method", "target_sparsity", "repeat", "variant", "input_kept", "layers", "weights"])
    }
}
