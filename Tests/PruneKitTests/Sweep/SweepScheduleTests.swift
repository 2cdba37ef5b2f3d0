import XCTest
@testable import PruneKit

/// Schedules, controls and scopes run by the sweep runner on the tiny synthetic sweep.
final class SweepScheduleTests: XCTestCase {
    private func spec(_ pruning: PruningSpec, epochs: Int = 2, repeats: Int = 1) -> SweepSpec {
        var spec = tinySweep(repeats: repeats, epochs: epochs)
        spec.pruning = pruning
        return spec
    }

    private func rowsOnDisk(_ folder: URL) throws -> [ResultRow] {
        try ResultsCSV.decode(String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8))
    }

    /// Runs `spec` straight through, then again in a new folder stopped after `stopAfterRows`
    /// rows are on disk, resumed to the end; the rows must agree but for the clock.
    private func assertResumeGivesTheSameRows(_ spec: SweepSpec, stopAfterRows: Int, file: StaticString = #filePath,
                                              line: UInt = #line) throws -> [ResultRow] {
        let straight = try SweepRunner(spec: spec, outputDirectory: makeTemporaryFolder(self)).run()
        let folder = try makeTemporaryFolder(self)
        let runner = SweepRunner(spec: spec, outputDirectory: folder)
        let stop = CancellationFlag()
        let results = folder.appendingPathComponent("results.csv")
        XCTAssertThrowsError(try runner.run(cancellation: stop) { p in
            if p.phase == .fineTuning, let rows = try? self.rowsOnDisk(folder), rows.count >= stopAfterRows { stop.cancel() }
        }, file: file, line: line) { XCTAssertTrue($0 is SweepCancelled, "\($0)", file: file, line: line) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: results.path), file: file, line: line)
        let partial = try rowsOnDisk(folder)
        XCTAssertGreaterThanOrEqual(partial.count, stopAfterRows, file: file, line: line)
        XCTAssertLessThan(partial.count, straight.rows.count, file: file, line: line)
        var trainedAgain = false
        var prunedAgain = Set<SweepPoint>()
        let resumed = try runner.run { p in
            if p.phase == .training { trainedAgain = true }
            if p.phase == .pruning, let m = p.method, let t = p.sparsity, let r = p.repeatIndex {
                prunedAgain.insert(SweepPoint(method: m, targetSparsity: t, repeatIndex: r))
            }
        }
        XCTAssertFalse(trainedAgain, file: file, line: line)
        // Iterative lines go on from the step kept on disk: no step measured before is pruned again
        // (and a step whose network was on disk, stopped while being measured, needs no pruning either).
        let missing = Set(straight.rows.map(\.point).filter { point in point.variant == .pruned && !partial.contains { $0.point == point } })
        XCTAssertTrue(prunedAgain.isSubset(of: missing), "replayed \(prunedAgain.subtracting(missing))", file: file, line: line)
        XCTAssertFalse(prunedAgain.isEmpty, file: file, line: line)
        XCTAssertEqual(withoutTimings(resumed.rows), withoutTimings(straight.rows), file: file, line: line)
        XCTAssertEqual(withoutTimings(Array(resumed.rows.prefix(partial.count))), withoutTimings(partial), file: file, line: line)
        return straight.rows
    }

    func testResumedLotterySweepGivesTheRowsOfOneRunStraightThrough() throws {
        let pruning = PruningSpec(methods: [.weight, .unit], sparsities: [50, 20, 80], schedule: .iterative, rewind: .epoch(1),
                                  controls: [.randomReinit, .smallDense])
        let rows = try assertResumeGivesTheSameRows(spec(pruning), stopAfterRows: 4)
        XCTAssertEqual(rows.count, 2 * 3 * 3)
        for method in [PruningMethod.weight, .unit] {
            let pruned = rows.filter { $0.method == method && $0.variant == .pruned }
            XCTAssertEqual(pruned.map(\.targetSparsity), [20, 50, 80])
            XCTAssertEqual(pruned.map(\.step), [1, 2, 3])
            XCTAssertEqual(pruned.map(\.epochsTrained), [3, 4, 5])   // 2 epochs, then 2 - 1 after each rewind
            XCTAssertTrue(pruned.allSatisfy { $0.schedule == .iterative && $0.accuracyBeforeFinetune != nil })
            let nonzeros = pruned.map(\.nonzeroParameters)
            XCTAssertEqual(nonzeros, nonzeros.sorted(by: >))
            let reinit = rows.filter { $0.method == method && $0.variant == .randomReinit }
            XCTAssertEqual(reinit.map(\.nonzeroParameters), nonzeros, "the control keeps the point's mask")
            XCTAssertEqual(reinit.map(\.epochsTrained), [1, 1, 1])
            XCTAssertTrue(zip(reinit, pruned).allSatisfy { $0.accuracy != $1.accuracy || $0.loss != $1.loss })
            let small = rows.filter { $0.method == method && $0.variant == .smallDense }
            XCTAssertEqual(small.map(\.epochsTrained), [2, 2, 2])
            XCTAssertTrue(small.allSatisfy { $0.kernel == .dense && $0.layerSparsity.count == 3 })
            for (s, p) in zip(small, pruned) {
                XCTAssertEqual(Double(s.macs!), Double(p.nonzeroParameters), accuracy: 0.2 * Double(p.nonzeroParameters) + 30)
            }
        }
        XCTAssertTrue(rows.allSatisfy { $0.denseMacs == 16 * 16 + 16 * 8 + 8 * 4 && $0.compressionRatio! >= 1 })
    }

    func testResumedIterativeSweepWithFineTuningGivesTheRowsOfOneRunStraightThrough() throws {
        let pruning = PruningSpec(methods: [.globalWeight, .randomUnit], sparsities: [20, 36, 49, 59], finetuneEpochs: 1,
                                  schedule: .iterative)
        let rows = try assertResumeGivesTheSameRows(spec(pruning, repeats: 2), stopAfterRows: 11)
        XCTAssertEqual(rows.count, 2 * 2 * 4)
        XCTAssertEqual(rows.filter { $0.repeatIndex == 1 && $0.method == .globalWeight }.map(\.epochsTrained), [3, 4, 5, 6])
    }

    func testWithoutItsCheckpointAResumedLineReplaysItsStepsToTheSameRows() throws {
        let pruning = PruningSpec(methods: [.randomWeight], sparsities: [20, 50, 80], finetuneEpochs: 1, schedule: .iterative)
        let folder = try makeTemporaryFolder(self)
        let straight = try SweepRunner(spec: spec(pruning), outputDirectory: folder).run().rows
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasPrefix("step-") {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        try AtomicFile.write(ResultsCSV.encode(Array(straight.prefix(2))), to: folder.appendingPathComponent("results.csv"))
        var pruned: [Double] = []
        let resumed = try SweepRunner(spec: spec(pruning), outputDirectory: folder).run { p in
            if p.phase == .pruning, let s = p.sparsity { pruned.append(s) }
        }
        XCTAssertEqual(pruned, [20, 50, 80], "the first two steps are replayed")
        XCTAssertEqual(withoutTimings(resumed.rows), withoutTimings(straight))
    }

    func testIterativeCheckpointReadsBackTheStepItHolds() throws {
        let folder = try makeTemporaryFolder(self)
        let trained = PruningFixtures.randomMLP([8, 12, 10, 4], bias: true)
        for method in [PruningMethod.randomWeight, .unit] {
            let network = ScheduleSteps.iterativeStep(previous: nil, trained: trained, method: method, sparsity: 36,
                                                      options: PruningOptions(seed: 3))
            let checkpoint = IterativeCheckpoint(folder: folder, method: method, layer: 1, repeatIndex: 2)
            let before = Evaluation(accuracy: 0.1 + 0.2, loss: 1e-300)
            try checkpoint.write(IterativeCheckpoint.Step(network: network, beforeTraining: before, trainSeconds: 1.5), step: 2)
            let back = try XCTUnwrap(checkpoint.read(step: 2, method: method, sparsity: 36, layerSizes: [8, 12, 10, 4]))
            XCTAssertEqual(back.network.model, network.model, "\(method)")
            XCTAssertEqual(back.network.masks, network.masks, "\(method)")
            XCTAssertEqual(back.network.keptUnits, network.keptUnits, "\(method)")
            XCTAssertEqual(back.network.layerSparsity, network.layerSparsity, "\(method)")
            XCTAssertEqual(back.beforeTraining, before)
            XCTAssertEqual(back.trainSeconds, 1.5)
            XCTAssertNil(try checkpoint.read(step: 3, method: method, sparsity: 36, layerSizes: [8, 12, 10, 4]), "another step")
            XCTAssertNil(try checkpoint.read(step: 2, method: method, sparsity: 50, layerSizes: [8, 12, 10, 4]), "another target")
        }
    }

    func testRewindToInitialisationStartsEachStepFromTheInitialWeights() throws {
        let pruning = PruningSpec(methods: [.weight], sparsities: [50], schedule: .iterative, rewind: .initialization)
        let outcome = try SweepRunner(spec: spec(pruning), outputDirectory: makeTemporaryFolder(self)).run()
        XCTAssertEqual(outcome.rows.map(\.epochsTrained), [4])
        // Trained for all 2 epochs from the rewound weights: a different network from the fine-tuned one.
        XCTAssertNotEqual(outcome.rows[0].accuracyBeforeFinetune, nil)
    }

    func testGradualAndAtInitRowsReachTheirTargets() throws {
        var gradualSpec = PruningSpec(methods: [.weight, .unit], sparsities: [50, 80], schedule: .gradual,
                                      gradual: GradualSpec(startEpoch: 0, endEpoch: 1, everySteps: 2), controls: [.randomReinit])
        let gradual = try SweepRunner(spec: spec(gradualSpec), outputDirectory: makeTemporaryFolder(self)).run().rows
        XCTAssertEqual(gradual.count, 2 * 2 * 2)
        for row in gradual where row.method == .weight {
            XCTAssertEqual(row.layerSparsity[0], Double(Pruner.removalCount(of: 256, sparsity: row.targetSparsity)) / 256)
            XCTAssertEqual(row.epochsTrained, 2)
        }
        XCTAssertTrue(gradual.filter { $0.method == .unit }.allSatisfy { $0.kernel == .shrunk })
        gradualSpec.gradual.endEpoch = 3
        XCTAssertThrowsError(try SweepRunner(spec: spec(gradualSpec), outputDirectory: makeTemporaryFolder(self)).run()) { error in
            XCTAssertTrue("\(error)".contains("/pruning/gradual/end_epoch"), "\(error)")
        }

        let atInit = PruningSpec(methods: [.weight, .randomWeight, .snip, .synflow], sparsities: [50], schedule: .atInit)
        let rows = try SweepRunner(spec: spec(atInit), outputDirectory: makeTemporaryFolder(self)).run().rows
        XCTAssertEqual(rows.map(\.method), [.weight, .randomWeight, .snip, .synflow])
        for row in rows {
            XCTAssertEqual(row.schedule, .atInit)
            XCTAssertEqual(row.epochsTrained, 2)
            // Per layer (weight, random-weight) or with one global threshold (SNIP, SynFlow): the same count at 50%.
            XCTAssertEqual(row.nonzeroParameters, 16 * 16 + 16 * 8 + 8 * 4 - (256 + 128) / 2, "\(row.method)")
            XCTAssertGreaterThan(row.trainSeconds ?? 0, 0)
            XCTAssertGreaterThan(row.accuracy, 0.25, "\(row.method) did not train")
        }
    }

    func testTaylorUnitRemovesUnitsPhysicallyInEveryScheduleItRunsWith() throws {
        for schedule in PruningMethod.taylorUnit.allowedSchedules {
            let pruning = PruningSpec(methods: [.taylorUnit], sparsities: [50], finetuneEpochs: schedule == .gradual ? 0 : 1,
                                      schedule: schedule, gradual: GradualSpec(endEpoch: 1, everySteps: 3))
            let rows = try SweepRunner(spec: spec(pruning), outputDirectory: makeTemporaryFolder(self)).run().rows
            XCTAssertEqual(rows.count, 1, "\(schedule)")
            XCTAssertEqual(rows[0].kernel, .shrunk, "\(schedule)")
            // 16 and 8 hidden units halved: 16x8 + 8x4 + 8x4 weights remain.
            XCTAssertEqual(rows[0].macs, 16 * 8 + 8 * 4 + 4 * 4, "\(schedule)")
            XCTAssertEqual(rows[0].layerSparsity, [0.5, 0.75, 0.5], "\(schedule)")
        }
    }

    func testEachLayerScopePrunesOneLayerAtATime() throws {
        let pruning = PruningSpec(methods: [.weight, .unit], sparsities: [50, 90], scope: .eachLayer)
        let rows = try SweepRunner(spec: spec(pruning), outputDirectory: makeTemporaryFolder(self)).run().rows
        XCTAssertEqual(rows.map(\.layer), [0, 0, 1, 1, 0, 0, 1, 1])
        for row in rows where row.method == .weight {
            for (l, sparsity) in row.layerSparsity.enumerated() { XCTAssertEqual(sparsity > 0, l == row.layer) }
        }
        let unit = rows.first { $0.method == .unit && $0.layer == 1 && $0.targetSparsity == 50 }!
        XCTAssertEqual(unit.layerSparsity, [0, 0.5, 0.5])
    }

    func testCombinationsTheEngineDoesNotRunAreRefusedBeforeTraining() throws {
        let folder = try makeTemporaryFolder(self)
        let snip = PruningSpec(methods: [.snip], sparsities: [50])
        XCTAssertThrowsError(try SweepRunner(spec: spec(snip), outputDirectory: folder).run()) { error in
            XCTAssertEqual(error as? SweepError, .unrunnableSchedule(
                pointers: ["/pruning/methods", "/pruning/schedule"],
                message: "method \"snip\" cannot run with schedule \"one-shot\" (it runs with \"at-init\")"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path))
    }

    func testResultsOfTheFirstFormatResumeWithoutMeasuringTheirPointsAgain() throws {
        let folder = try makeTemporaryFolder(self)
        let first = try SweepRunner(spec: tinySweep(repeats: 1, sparsities: [0, 50]), outputDirectory: folder).run()
        // What a version before schedules wrote: the first 15 columns only.
        let old = CSV.encode([ResultsCSV.firstHeader] + first.rows.map { Array(ResultsCSV.fields($0).prefix(15)) })
        try AtomicFile.write(old, to: folder.appendingPathComponent("results.csv"))
        var measured: [Double] = []
        let wider = try SweepRunner(spec: tinySweep(repeats: 1, sparsities: [0, 50, 75]), outputDirectory: folder).run { p in
            if p.phase == .pruning, let s = p.sparsity { measured.append(s) }
        }
        XCTAssertEqual(measured, [75, 75])
        XCTAssertEqual(wider.rows.count, 6)
        XCTAssertNil(wider.rows[0].epochsTrained)
        XCTAssertEqual(wider.rows[2].epochsTrained, 2)
    }
}
