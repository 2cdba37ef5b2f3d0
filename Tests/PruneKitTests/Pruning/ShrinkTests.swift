import XCTest
@testable import PruneKit

/// Unit pruning: which units go, the smaller network it builds, and what that network computes.
final class ShrinkTests: XCTestCase {
    private let sizes = [12, 16, 10, 8, 4]

    func testUnitPruningKeepsTheLargestNormUnitsAndShrinksBothSidesOfEachHiddenLayer() {
        let model = PruningFixtures.randomMLP(sizes, bias: true)
        let pruned = Pruner.prune(model, method: .unit, sparsity: 50, pruneLastLayer: false, seed: 0)
        XCTAssertEqual(pruned.keptUnits.map(\.count), [8, 5, 4])
        XCTAssertEqual(pruned.model.layerSizes, [12, 8, 5, 4, 4], "inputs and classes are never removed")
        XCTAssertEqual(pruned.originalLayerSizes, sizes)
        XCTAssertNil(pruned.masks)
        for (layer, kept) in pruned.keptUnits.enumerated() {
            XCTAssertEqual(kept, kept.sorted(), "kept units in ascending order")
            let norms = UnitSelection.columnNorms(model.weights[layer])
            let removed = Set(norms.indices).subtracting(kept)
            XCTAssertLessThanOrEqual(removed.map { norms[$0] }.max()!, kept.map { norms[$0] }.min()!, "layer \(layer)")
            XCTAssertEqual(pruned.model.biases[layer], kept.map { model.biases[layer][$0] })
        }
        // Layer 1 keeps the rows of layer 0's kept units and the columns of its own kept units.
        let w1 = pruned.model.weights[1]
        for (r, row) in pruned.keptUnits[0].enumerated() {
            for (c, col) in pruned.keptUnits[1].enumerated() {
                XCTAssertEqual(w1[r, c], model.weights[1][row, col])
            }
        }
        XCTAssertEqual(pruned.model.biases[3], model.biases[3], "class biases stay")
    }

    func testUnitPrunedNetworkComputesWhatTheOriginalDoesWithThoseColumnsZeroed() {
        for bias in [false, true] {
            let model = PruningFixtures.randomMLP(sizes, bias: bias, seed: 5)
            for method in [PruningMethod.unit, .randomUnit] {
                let pruned = Pruner.prune(model, method: method, sparsity: 40, pruneLastLayer: false, seed: 9)
                var zeroed = model
                for (layer, kept) in pruned.keptUnits.enumerated() {
                    for unit in 0..<sizes[layer + 1] where !kept.contains(unit) {
                        for row in 0..<sizes[layer] { zeroed.weights[layer][row, unit] = 0 }
                        if bias { zeroed.biases[layer][unit] = 0 }
                    }
                }
                let input = PruningFixtures.randomInput(rows: 7, cols: sizes[0])
                let expected = PruningFixtures.referenceLogits(zeroed, input)
                PruningFixtures.assertClose(pruned.model.logits(input).data, expected, "\(method), bias \(bias)")
                PruningFixtures.assertClose(pruned.expandedModel().logits(input).data, expected, "expanded \(method)")
                XCTAssertEqual(pruned.expandedModel().layerSizes, sizes)
            }
        }
    }

    func testUnitSparsityCountsWeightsLostOnBothSides() {
        let model = PruningFixtures.randomMLP(sizes)
        let pruned = Pruner.prune(model, method: .unit, sparsity: 50, pruneLastLayer: false, seed: 0)
        // Kept units 8 of 16, 5 of 10, 4 of 8; layer i keeps (kept inputs) x (kept outputs).
        let keptWeights = [12 * 8, 8 * 5, 5 * 4, 4 * 4]
        let originalWeights = [12 * 16, 16 * 10, 10 * 8, 8 * 4]
        for layer in 0..<4 {
            XCTAssertEqual(pruned.layerSparsity[layer], 1 - Double(keptWeights[layer]) / Double(originalWeights[layer]),
                           accuracy: 1e-12, "layer \(layer)")
        }
        let total = Double(originalWeights.reduce(0, +))
        XCTAssertEqual(pruned.achievedSparsity, 1 - Double(keptWeights.reduce(0, +)) / total, accuracy: 1e-12)
        XCTAssertEqual(pruned.nonzeroParameters, keptWeights.reduce(0, +))
        XCTAssertEqual(pruned.originalParameters, Int(total))
    }

    func testUnitMethodsNeverRemoveOutputClassesEvenWhenPruningTheLastLayer() {
        let model = PruningFixtures.randomMLP(sizes)
        let spared = Pruner.prune(model, method: .unit, sparsity: 75, pruneLastLayer: false, seed: 0)
        let pruned = Pruner.prune(model, method: .unit, sparsity: 75, pruneLastLayer: true, seed: 0)
        XCTAssertEqual(pruned.model, spared.model)
        XCTAssertEqual(pruned.model.layerSizes.last, 4)
    }

    func testHighSparsityKeepsAtLeastOneUnitPerLayer() {
        let model = PruningFixtures.randomMLP(sizes)
        let pruned = Pruner.prune(model, method: .unit, sparsity: 99, pruneLastLayer: false, seed: 0)
        XCTAssertEqual(pruned.model.layerSizes, [12, 1, 1, 1, 4])
    }

    func testEqualNormsRemoveTheLowerUnitFirst() {
        let model = MLP(weights: [Matrix(rows: 1, cols: 4, data: [2, -1, 1, 3]), Matrix(rows: 4, cols: 1, data: [1, 1, 1, 1])])
        let pruned = Pruner.prune(model, method: .unit, sparsity: 50, pruneLastLayer: false, seed: 0)
        XCTAssertEqual(pruned.keptUnits, [[0, 3]])
    }
}
