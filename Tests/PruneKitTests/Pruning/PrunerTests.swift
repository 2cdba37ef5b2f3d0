import XCTest
@testable import PruneKit

/// Small random networks and a plain Double-precision forward pass, shared by the pruning,
/// shrinking, sparse and timing tests.
enum PruningFixtures {
    /// Weights uniform in [-1, 1] (so magnitudes are distinct), biases uniform in [-0.5, 0.5].
    static func randomMLP(_ sizes: [Int], bias: Bool = false, seed: UInt64 = 1) -> MLP {
        var random = SeededGenerator(seed: seed)
        let weights = (0..<sizes.count - 1).map { i in
            Matrix(rows: sizes[i], cols: sizes[i + 1],
                   data: (0..<sizes[i] * sizes[i + 1]).map { _ in random.nextUnitFloat() * 2 - 1 })
        }
        let biases = bias ? sizes.dropFirst().map { n in (0..<n).map { _ in random.nextUnitFloat() - 0.5 } } : []
        return MLP(weights: weights, biases: biases)
    }

    static func randomInput(rows: Int, cols: Int, seed: UInt64 = 2) -> Matrix {
        var random = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, data: (0..<rows * cols).map { _ in random.nextUnitFloat() })
    }

    /// Logits by the textbook loops in Double: independent of BLAS and of the sparse kernel.
    static func referenceLogits(_ model: MLP, _ input: Matrix) -> [Double] {
        var x = input.data.map(Double.init)
        var width = input.cols
        for (i, w) in model.weights.enumerated() {
            var y = [Double](repeating: 0, count: input.rows * w.cols)
            for r in 0..<input.rows {
                for o in 0..<w.cols {
                    var sum = model.hasBias ? Double(model.biases[i][o]) : 0
                    for k in 0..<width { sum += x[r * width + k] * Double(w.data[k * w.cols + o]) }
                    y[r * w.cols + o] = i < model.layerCount - 1 ? max(sum, 0) : sum
                }
            }
            x = y
            width = w.cols
        }
        return x
    }

    /// Float results against Double references, to a tolerance for float summation order.
    static func assertClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 1e-4,
                            _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "sizes differ \(message)", file: file, line: line)
        let scale = max(1, expected.map(abs).max() ?? 1)
        let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance * scale, "largest difference \(worst) \(message)", file: file, line: line)
    }

    static func zeroCount(_ m: Matrix) -> Int { m.data.filter { $0 == 0 }.count }
}

final class PrunerTests: XCTestCase {
    private let sizes = [30, 40, 20, 10, 5]   // layers of 1200, 800, 200 and 50 weights

    func testRemovalCountRoundsDownAndAbsorbsRepresentationError() {
        XCTAssertEqual(Pruner.removalCount(of: 1000, sparsity: 70), 700)
        XCTAssertEqual(Pruner.removalCount(of: 7, sparsity: 50), 3)
        XCTAssertEqual(Pruner.removalCount(of: 10, sparsity: 99), 9, "never the whole layer below 100%")
        XCTAssertEqual(Pruner.removalCount(of: 100, sparsity: 0.29 * 100), 29, "100 * 0.29 is 28.999... in binary")
        XCTAssertEqual(Pruner.removalCount(of: 0, sparsity: 50), 0)
        XCTAssertEqual(Pruner.removalCount(of: 3, sparsity: 0), 0)
    }

    func testWeightPruningZeroesExactlyTheCountPerLayerAndSparesTheLastLayer() throws {
        let model = PruningFixtures.randomMLP(sizes)
        let pruned = Pruner.prune(model, method: .weight, sparsity: 37, pruneLastLayer: false, seed: 0)
        let expected = [Pruner.removalCount(of: 1200, sparsity: 37), Pruner.removalCount(of: 800, sparsity: 37),
                        Pruner.removalCount(of: 200, sparsity: 37), 0]
        XCTAssertEqual(expected, [444, 296, 74, 0])
        XCTAssertEqual(pruned.model.weights.map(PruningFixtures.zeroCount), expected)
        XCTAssertEqual(pruned.model.layerSizes, model.layerSizes)
        XCTAssertEqual(pruned.layerSparsity, [444.0 / 1200, 296.0 / 800, 74.0 / 200, 0])
        XCTAssertEqual(pruned.achievedSparsity, Double(444 + 296 + 74) / 2250, accuracy: 1e-12)
        XCTAssertEqual(pruned.nonzeroParameters, 2250 - 814)
        XCTAssertEqual(pruned.originalParameters, 2250)
        XCTAssertEqual(pruned.keptUnits, [])
        // The mask marks exactly the zeroed weights; the spared last layer has no mask.
        let masks = try XCTUnwrap(pruned.masks)
        XCTAssertNil(masks.layers[3])
        for layer in 0..<3 {
            let mask = try XCTUnwrap(masks.layers[layer])
            XCTAssertEqual(mask.data.map { $0 == 0 }, pruned.model.weights[layer].data.map { $0 == 0 })
        }
        XCTAssertEqual(pruned.model.weights[3], model.weights[3])
    }

    func testWeightPruningRemovesTheSmallestMagnitudesAndKeepsTheRestUnchanged() {
        let model = PruningFixtures.randomMLP(sizes)
        let pruned = Pruner.prune(model, method: .weight, sparsity: 60, pruneLastLayer: false, seed: 0)
        for layer in 0..<3 {
            let original = model.weights[layer].data, after = pruned.model.weights[layer].data
            let removed = original.indices.filter { after[$0] == 0 }.map { abs(original[$0]) }
            let kept = original.indices.filter { after[$0] != 0 }
            XCTAssertTrue(kept.allSatisfy { after[$0] == original[$0] }, "kept weights are untouched")
            XCTAssertLessThanOrEqual(removed.max()!, kept.map { abs(original[$0]) }.min()!, "layer \(layer)")
        }
    }

    func testPruneLastLayerPrunesTheLastLayerToo() {
        let model = PruningFixtures.randomMLP(sizes)
        let pruned = Pruner.prune(model, method: .weight, sparsity: 50, pruneLastLayer: true, seed: 0)
        XCTAssertEqual(pruned.model.weights.map(PruningFixtures.zeroCount), [600, 400, 100, 25])
        XCTAssertNotNil(pruned.masks?.layers[3])
        XCTAssertEqual(pruned.achievedSparsity, 0.5, accuracy: 1e-12)
    }

    func testZeroSparsityChangesNothingForEveryMethod() {
        let model = PruningFixtures.randomMLP(sizes, bias: true)
        // SNIP and Taylor read a batch of training data.
        let data = SyntheticData.make(trainSize: 40, testSize: 4, features: sizes[0], classes: sizes.last!, seed: 1).train
        for method in PruningMethod.allCases {
            let pruned = Pruner.prune(model, method: method, sparsity: 0,
                                      options: PruningOptions(pruneLastLayer: true, seed: 3, data: data, batchSize: 8))
            XCTAssertEqual(pruned.model, model, "\(method)")
            XCTAssertEqual(pruned.achievedSparsity, 0, "\(method)")
            XCTAssertEqual(pruned.layerSparsity, [0, 0, 0, 0], "\(method)")
            XCTAssertEqual(pruned.nonzeroParameters, model.parameterCount, "\(method)")
            if method.removesUnits {
                XCTAssertEqual(pruned.keptUnits, [Array(0..<40), Array(0..<20), Array(0..<10)], "\(method)")
                XCTAssertNil(pruned.masks)
            }
        }
    }

    func testGlobalWeightPruningUsesOneThresholdAcrossLayers() {
        // Layers of very different scales: one global threshold strips the small-scale layer far
        // more than the per-layer method would.
        var model = PruningFixtures.randomMLP(sizes)
        for i in model.weights[1].data.indices { model.weights[1].data[i] *= 0.1 }
        let pruned = Pruner.prune(model, method: .globalWeight, sparsity: 40, pruneLastLayer: false, seed: 0)
        var removed = [Float](), kept = [Float]()
        for layer in 0..<3 {
            for (before, after) in zip(model.weights[layer].data, pruned.model.weights[layer].data) {
                if after == 0 { removed.append(abs(before)) } else { kept.append(abs(before)) }
            }
        }
        XCTAssertEqual(removed.count, Pruner.removalCount(of: 2200, sparsity: 40))
        XCTAssertLessThanOrEqual(removed.max()!, kept.min()!, "one threshold separates removed from kept")
        XCTAssertEqual(PruningFixtures.zeroCount(pruned.model.weights[3]), 0, "last layer spared")
        XCTAssertGreaterThan(pruned.layerSparsity[1], 0.9, "the small-scale layer goes almost entirely")
        XCTAssertLessThan(pruned.layerSparsity[0], 0.4)
        XCTAssertEqual(pruned.achievedSparsity, Double(removed.count) / 2250, accuracy: 1e-12)
    }

    func testEqualMagnitudesAreRemovedInPositionOrder() {
        let model = MLP(weights: [Matrix(rows: 2, cols: 3, data: [0.5, -0.5, 0.5, -0.5, 0.5, 0.25]),
                                  Matrix(rows: 3, cols: 1, data: [1, 1, 1])])
        let pruned = Pruner.prune(model, method: .weight, sparsity: 50, pruneLastLayer: false, seed: 0)
        XCTAssertEqual(pruned.model.weights[0].data, [0, 0, 0.5, -0.5, 0.5, 0], "0.25 first, then ties by position")
        let global = Pruner.prune(model, method: .globalWeight, sparsity: 50, pruneLastLayer: true, seed: 0)
        XCTAssertEqual(global.model.weights[0].data, [0, 0, 0, -0.5, 0.5, 0], "ties: earlier layer, then position")
        XCTAssertEqual(global.model.weights[1].data, [1, 1, 1])
    }

    func testRandomMethodsAreSeededReproducibleAndExact() {
        let model = PruningFixtures.randomMLP(sizes)
        for method in [PruningMethod.randomWeight, .randomUnit] {
            let a = Pruner.prune(model, method: method, sparsity: 45, pruneLastLayer: false, seed: 7)
            let b = Pruner.prune(model, method: method, sparsity: 45, pruneLastLayer: false, seed: 7)
            let c = Pruner.prune(model, method: method, sparsity: 45, pruneLastLayer: false, seed: 8)
            XCTAssertEqual(a.model, b.model, "\(method): same seed, same network")
            XCTAssertNotEqual(a.model, c.model, "\(method): another seed, another choice")
            XCTAssertEqual(a.layerSparsity, c.layerSparsity, "\(method): the counts do not depend on the seed")
        }
        let weights = Pruner.prune(model, method: .randomWeight, sparsity: 45, pruneLastLayer: false, seed: 7)
        XCTAssertEqual(weights.model.weights.map(PruningFixtures.zeroCount), [540, 360, 90, 0])
        let units = Pruner.prune(model, method: .randomUnit, sparsity: 45, pruneLastLayer: false, seed: 7)
        XCTAssertEqual(units.keptUnits.map(\.count), [22, 11, 6])
        XCTAssertNotEqual(units.keptUnits[0], Array(0..<22), "not simply the first units")
    }

    func testRandomWeightPruningIsNotMagnitudePruning() {
        let model = PruningFixtures.randomMLP(sizes)
        let random = Pruner.prune(model, method: .randomWeight, sparsity: 50, pruneLastLayer: false, seed: 1)
        let magnitude = Pruner.prune(model, method: .weight, sparsity: 50, pruneLastLayer: false, seed: 1)
        XCTAssertNotEqual(random.model.weights[0], magnitude.model.weights[0])
    }
}
