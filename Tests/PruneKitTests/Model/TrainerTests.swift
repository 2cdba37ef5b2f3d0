import XCTest
@testable import PruneKit

final class TrainerTests: XCTestCase {
    func testInputThatDoesNotFitTheModelThrowsAndSaysWhy() throws {
        let data = try smallSyntheticDataset(classes: 4)
        var small = MLP.glorotUniform(layerSizes: [data.features, 8, 3], bias: false, seed: 1)
        XCTAssertThrowsError(try Trainer(config: TrainingConfig()).train(&small, on: data.train, epochs: 1)) { error in
            XCTAssertTrue("\(error)".contains("label 3 is beyond the model's 3 classes"), "\(error)")
        }
        var wrongInputs = MLP.glorotUniform(layerSizes: [data.features + 1, 8, 4], bias: false, seed: 1)
        XCTAssertThrowsError(try Trainer(config: TrainingConfig()).train(&wrongInputs, on: data.train, epochs: 1)) { error in
            XCTAssertTrue("\(error)".contains("takes \(data.features + 1) inputs"), "\(error)")
        }
        var model = MLP.glorotUniform(layerSizes: [data.features, 8, 4], bias: false, seed: 1)
        XCTAssertThrowsError(try Trainer(config: TrainingConfig(batchSize: 0)).train(&model, on: data.train, epochs: 1)) { error in
            XCTAssertTrue("\(error)".contains("batch size must be positive"), "\(error)")
        }
        XCTAssertThrowsError(try Trainer(config: TrainingConfig()).train(&model, on: data.train, epochs: -1))
    }

    func testSmallNetLearnsSyntheticSetWithAdam() throws {
        let data = try smallSyntheticDataset()
        var model = MLP.glorotUniform(layerSizes: [data.features, 32, data.classes], bias: true, seed: 1)
        let before = model.evaluate(on: data.test)
        var reports: [TrainingProgress] = []
        try Trainer(config: TrainingConfig(batchSize: 32, learningRate: 1e-2)).train(&model, on: data.train, epochs: 5) { reports.append($0) }
        let after = model.evaluate(on: data.test)
        XCTAssertGreaterThan(after.accuracy, 0.85, "chance is 0.25")
        XCTAssertLessThan(after.loss, before.loss / 2)

        let ends = reports.filter { $0.step == $0.stepsPerEpoch }
        XCTAssertEqual(ends.map(\.epoch), [1, 2, 3, 4, 5], "every epoch ends with a report")
        XCTAssertTrue(reports.allSatisfy { $0.epochs == 5 && $0.stepsPerEpoch == 19 && $0.samplesPerSecond > 0 })
        XCTAssertLessThan(ends.last!.loss, ends.first!.loss)
    }

    func testSmallNetLearnsWithSGDMomentum() throws {
        let data = try smallSyntheticDataset()
        var model = MLP.glorotUniform(layerSizes: [data.features, 24, data.classes], bias: false, seed: 2)
        let config = TrainingConfig(batchSize: 16, optimizer: .sgd, learningRate: 0.05, momentum: 0.9)
        try Trainer(config: config).train(&model, on: data.train, epochs: 4)
        XCTAssertGreaterThan(model.evaluate(on: data.test).accuracy, 0.85)
    }

    func testMaskedTrainingKeepsPrunedWeightsExactlyZero() throws {
        let data = try smallSyntheticDataset()
        var model = MLP.glorotUniform(layerSizes: [data.features, 20, 12, data.classes], bias: true, seed: 3)
        var generator = SeededGenerator(seed: 4)
        let masks = WeightMasks(layers: model.weights.enumerated().map { l, w in
            l == 2 ? nil : Matrix(rows: w.rows, cols: w.cols, data: (0..<w.count).map { _ in generator.nextUnitFloat() < 0.7 ? 0 : 1 })
        })
        let original = model
        for optimizer in OptimizerKind.allCases {
            model = original
            try Trainer(config: TrainingConfig(batchSize: 25, optimizer: optimizer, learningRate: 0.01)).train(
                &model, on: data.train, epochs: 2, masks: masks)
            for l in 0..<2 {
                let mask = masks.layers[l]!
                var kept = 0, moved = 0
                for i in 0..<mask.count {
                    if mask.data[i] == 0 {
                        XCTAssertEqual(model.weights[l].data[i], 0, "\(optimizer): layer \(l) weight \(i)")
                    } else {
                        kept += 1
                        if model.weights[l].data[i] != original.weights[l].data[i] { moved += 1 }
                    }
                }
                // Kept weights feeding from a unit that never fires get no gradient; most train.
                XCTAssertGreaterThan(moved, kept / 2, "\(optimizer): kept weights of layer \(l) train")
            }
            XCTAssertNotEqual(model.weights[2], original.weights[2], "the unmasked layer trains")
        }
    }

    func testCancellationStopsBetweenBatchesAndLeavesModel() throws {
        let data = try smallSyntheticDataset()
        var model = MLP.glorotUniform(layerSizes: [data.features, 8, data.classes], bias: false, seed: 5)
        let original = model
        let flag = CancellationFlag()
        var steps = 0
        XCTAssertThrowsError(try Trainer(config: TrainingConfig(batchSize: 1)).train(&model, on: data.train, epochs: 3, cancellation: flag) { _ in
            steps += 1
            flag.cancel()
        }) { XCTAssertTrue($0 is SweepCancelled) }
        XCTAssertEqual(steps, 1)
        XCTAssertEqual(model, original)
    }

    func testZeroEpochsOnlyAppliesMasks() throws {
        let data = try smallSyntheticDataset()
        var model = MLP.glorotUniform(layerSizes: [data.features, 4, data.classes], bias: false, seed: 6)
        let unchanged = model
        try Trainer(config: TrainingConfig()).train(&model, on: data.train, epochs: 0)
        XCTAssertEqual(model, unchanged)
        let masks = WeightMasks(layers: [Matrix(rows: data.features, cols: 4, repeating: 0), nil])
        try Trainer(config: TrainingConfig()).train(&model, on: data.train, epochs: 0, masks: masks)
        XCTAssertTrue(model.weights[0].data.allSatisfy { $0 == 0 })
    }

    func testBatchLargerThanDataAndRaggedLastBatch() throws {
        let data = try smallSyntheticDataset(trainSize: 10, testSize: 5)
        for batchSize in [3, 64] {
            var model = MLP.glorotUniform(layerSizes: [data.features, 4, data.classes], bias: true, seed: 7)
            var last: TrainingProgress?
            try Trainer(config: TrainingConfig(batchSize: batchSize)).train(&model, on: data.train, epochs: 1) { last = $0 }
            XCTAssertEqual(last?.stepsPerEpoch, batchSize == 3 ? 4 : 1)
            XCTAssertTrue(model.weights.allSatisfy { $0.data.allSatisfy(\.isFinite) })
        }
    }

    func testConfigFromSpec() {
        let spec = TrainingSpec(epochs: 3, batchSize: 128, optimizer: .sgd, learningRate: 0.05, momentum: 0.5, seed: 42)
        let config = TrainingConfig(spec)
        XCTAssertEqual(config.batchSize, 128)
        XCTAssertEqual(config.optimizer, .sgd)
        XCTAssertEqual(config.learningRate, 0.05)
        XCTAssertEqual(config.momentum, 0.5)
        XCTAssertEqual(config.seed, 42)
        let sgd = config.makeOptimizer(parameterCount: 4) as? SGDOptimizer
        XCTAssertEqual(sgd?.momentum, 0.5)
        XCTAssertTrue(TrainingConfig(TrainingSpec()).makeOptimizer(parameterCount: 1) is AdamOptimizer)
    }
}
