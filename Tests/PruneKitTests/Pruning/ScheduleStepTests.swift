import XCTest
@testable import PruneKit

/// The mask rules of the iterative, rewinding and gradual schedules, on tiny networks.
final class ScheduleStepTests: XCTestCase {
    private let sizes = [8, 12, 10, 4]

    /// Stands in for training between steps: every surviving weight gets a new random value,
    /// some of them tiny, so a step that forgot the mask would regrow pruned weights.
    private func scrambled(_ network: PrunedNetwork, seed: UInt64) -> PrunedNetwork {
        var random = SeededGenerator(seed: seed)
        var result = network
        for l in result.model.weights.indices {
            for i in result.model.weights[l].data.indices where result.model.weights[l].data[i] != 0 {
                let value = random.nextUnitFloat() * 2 - 1
                result.model.weights[l].data[i] = random.nextInt(below: 4) == 0 ? value * 1e-6 : value
            }
        }
        return result
    }

    private func removed(_ network: PrunedNetwork) -> [Set<Int>] {
        network.expandedModel().weights.map { w in Set(w.data.indices.filter { w.data[$0] == 0 }) }
    }

    func testIterativeStepsNeverRegrowAWeightAndReachEachTarget() {
        let trained = PruningFixtures.randomMLP(sizes)
        for method in [PruningMethod.weight, .globalWeight, .randomWeight] {
            var previous: PrunedNetwork?
            var before = [Set<Int>](repeating: [], count: 3)
            for (step, target) in [20.0, 36, 49, 59, 67, 89].enumerated() {
                let network = ScheduleSteps.iterativeStep(previous: previous, trained: trained, method: method, sparsity: target,
                                                          options: PruningOptions(seed: UInt64(step)))
                let now = removed(network)
                for l in 0..<3 { XCTAssertTrue(before[l].isSubset(of: now[l]), "\(method) step \(step + 1) layer \(l) regrew") }
                // Every masked weight is zero, and the mask says so.
                for l in 0..<2 {
                    let mask = network.masks!.layers[l]!
                    XCTAssertEqual(Set(mask.data.indices.filter { mask.data[$0] == 0 }), now[l], "\(method) layer \(l)")
                }
                if method == .globalWeight {
                    XCTAssertEqual(now[0].count + now[1].count, Pruner.removalCount(of: 96 + 120, sparsity: target))
                } else {
                    XCTAssertEqual(now.map(\.count), [Pruner.removalCount(of: 96, sparsity: target),
                                                      Pruner.removalCount(of: 120, sparsity: target), 0], "\(method) at \(target)")
                }
                before = now
                previous = scrambled(network, seed: UInt64(100 + step))
            }
        }
    }

    func testIterativeUnitStepsOnlyRemoveMoreUnits() {
        let trained = PruningFixtures.randomMLP(sizes)
        for method in [PruningMethod.unit, .randomUnit] {
            var previous: PrunedNetwork?
            var kept: [[Int]] = [Array(0..<12), Array(0..<10)]
            for (step, target) in [20.0, 49, 74, 89].enumerated() {
                let network = ScheduleSteps.iterativeStep(previous: previous, trained: trained, method: method, sparsity: target,
                                                          options: PruningOptions(seed: UInt64(step)))
                for l in 0..<2 { XCTAssertTrue(Set(network.keptUnits[l]).isSubset(of: Set(kept[l])), "\(method) step \(step + 1)") }
                XCTAssertEqual(network.keptUnits.map(\.count), [12 - Pruner.removalCount(of: 12, sparsity: target),
                                                                10 - Pruner.removalCount(of: 10, sparsity: target)])
                XCTAssertEqual(network.model.layerSizes, [8] + network.keptUnits.map(\.count) + [4])
                kept = network.keptUnits
                previous = scrambled(network, seed: UInt64(7 + step))
            }
        }
    }

    func testRewindRestoresExactlyTheStoredWeightsOfTheSurvivors() {
        let trained = PruningFixtures.randomMLP(sizes, bias: true, seed: 4)
        let stored = PruningFixtures.randomMLP(sizes, bias: true, seed: 9)
        let first = ScheduleSteps.iterativeStep(previous: nil, trained: trained, method: .weight, sparsity: 50, options: PruningOptions())
        let second = ScheduleSteps.iterativeStep(previous: scrambled(first, seed: 1), trained: trained, method: .weight, sparsity: 75,
                                                 options: PruningOptions(), rewindTo: stored)
        for l in 0..<3 {
            let mask = second.masks!.layers[l]
            for i in stored.weights[l].data.indices {
                if mask.map({ $0.data[i] == 0 }) == true {
                    XCTAssertEqual(second.model.weights[l].data[i], 0, "layer \(l) weight \(i)")
                } else {
                    XCTAssertEqual(second.model.weights[l].data[i].bitPattern, stored.weights[l].data[i].bitPattern, "layer \(l) weight \(i)")
                }
            }
        }
        XCTAssertEqual(second.model.biases, stored.biases)

        let unit = ScheduleSteps.iterativeStep(previous: nil, trained: trained, method: .unit, sparsity: 50,
                                               options: PruningOptions(), rewindTo: stored)
        XCTAssertEqual(unit.model, UnitShrinker.shrink(stored, keptUnits: unit.keptUnits))
        XCTAssertEqual(unit.keptUnits, Pruner.prune(trained, method: .unit, sparsity: 50, pruneLastLayer: false, seed: 0).keptUnits)
    }

    func testTheWeightsAfterEpochKAreThoseOfATrainingOfKEpochs() throws {
        let data = try smallSyntheticDataset(trainSize: 200, testSize: 10)
        let initial = MLP.glorotUniform(layerSizes: [16, 12, 4], bias: true, seed: 3)
        let trainer = Trainer(config: TrainingConfig(batchSize: 32, learningRate: 0.01, seed: 5))
        var snapshots: [Int: MLP] = [:]
        var full = initial
        try trainer.train(&full, on: data.train, epochs: 3, hooks: TrainingHooks(epochEnded: { snapshots[$0] = $1 }))
        var one = initial
        try trainer.train(&one, on: data.train, epochs: 1)
        XCTAssertEqual(snapshots[1], one)
        XCTAssertEqual(snapshots[3], full)
        XCTAssertNotEqual(snapshots[1], full)
    }

    func testRandomReinitKeepsTheMaskAndDrawsFreshWeights() {
        let trained = PruningFixtures.randomMLP(sizes)
        let pruned = Pruner.prune(trained, method: .weight, sparsity: 60, pruneLastLayer: false, seed: 0)
        let fresh = ScheduleSteps.randomlyReinitialized(pruned, seed: 42)
        XCTAssertEqual(removed(fresh), removed(pruned))
        XCTAssertEqual(fresh.model, ScheduleSteps.randomlyReinitialized(pruned, seed: 42).model)
        XCTAssertNotEqual(fresh.model, pruned.model)
        let glorot = MLP.glorotUniform(layerSizes: sizes, bias: false, seed: 42)
        XCTAssertEqual(fresh.model.weights[2], glorot.weights[2])
    }
}

/// Zhu & Gupta's cubic curve and a gradual training run.
final class GradualScheduleTests: XCTestCase {
    func testCubicCurveStartsAtZeroHitsTheTargetAtT1AndHoldsAfter() {
        let curve = GradualCurve(GradualSpec(startEpoch: 0.5, endEpoch: 2.5, everySteps: 7), finalSparsity: 80, epochs: 4, stepsPerEpoch: 10)
        XCTAssertEqual(curve.startStep, 5)
        XCTAssertEqual(curve.endStep, 25)
        XCTAssertEqual(curve.sparsity(atStep: 0), 0)
        XCTAssertEqual(curve.sparsity(atStep: 5), 0)
        // Halfway: 80 * (1 - 0.5^3) = 70.
        XCTAssertEqual(curve.sparsity(atStep: 15), 70, accuracy: 1e-12)
        XCTAssertEqual(curve.sparsity(atStep: 25), 80)
        XCTAssertEqual(curve.sparsity(atStep: 39), 80)
        let values = (0...40).map(curve.sparsity(atStep:))
        XCTAssertEqual(values, values.sorted())
        XCTAssertEqual((0...40).filter(curve.updatesMask(atStep:)), [5, 12, 19, 25])
        // The default end is 0.75 x epochs.
        XCTAssertEqual(GradualCurve(GradualSpec(), finalSparsity: 50, epochs: 4, stepsPerEpoch: 10).endStep, 30)
    }

    func testGradualRunReachesTheTargetAtT1AndHoldsTheMaskAfter() throws {
        let data = try smallSyntheticDataset(trainSize: 320, testSize: 10)
        let initial = MLP.glorotUniform(layerSizes: [16, 12, 10, 4], bias: false, seed: 2)
        let trainer = Trainer(config: TrainingConfig(batchSize: 32, learningRate: 0.01, seed: 1))
        let stepsPerEpoch = trainer.stepsPerEpoch(sampleCount: data.train.count)
        for method in [PruningMethod.weight, .unit] {
            let curve = GradualCurve(GradualSpec(startEpoch: 0, endEpoch: 1.5, everySteps: 4), finalSparsity: 75, epochs: 3,
                                     stepsPerEpoch: stepsPerEpoch)
            let gradual = GradualPruner(curve: curve, method: method, options: PruningOptions(seed: 1), layerSizes: initial.layerSizes)
            var model = initial
            var zerosAfter: [Int: Int] = [:]
            try trainer.train(&model, on: data.train, epochs: 3, hooks: TrainingHooks(
                maskUpdate: { step, current in
                    // Before every step after t1, the weights pruned at t1 are still zero.
                    if step > curve.endStep { zerosAfter[step] = current().weights[0].data.filter { $0 == 0 }.count }
                    return gradual.masks(beforeStep: step, model: current)
                }))
            XCTAssertEqual(gradual.updates.last?.step, curve.endStep)
            XCTAssertEqual(gradual.updates.last?.sparsity, 75)
            XCTAssertEqual(gradual.updates.map(\.sparsity), gradual.updates.map(\.sparsity).sorted())
            let network = gradual.network(from: model)
            if method == .weight {
                XCTAssertEqual(network.layerSparsity[0], Double(Pruner.removalCount(of: 192, sparsity: 75)) / 192)
                XCTAssertEqual(Set(zerosAfter.values), [Pruner.removalCount(of: 192, sparsity: 75)])
                XCTAssertEqual(model.weights[0].data.filter { $0 == 0 }.count, Pruner.removalCount(of: 192, sparsity: 75))
            } else {
                XCTAssertEqual(network.model.layerSizes, [16, 3, 3, 4])
                XCTAssertEqual(network.expandedModel().logits(Matrix(rows: 1, cols: 16, repeating: 0.5)).data,
                               model.logits(Matrix(rows: 1, cols: 16, repeating: 0.5)).data)
            }
            XCTAssertEqual(zerosAfter.count, 3 * stepsPerEpoch - curve.endStep - 1)
        }
    }
}
