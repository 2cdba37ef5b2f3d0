import Foundation
import XCTest
@testable import PruneKit


/// A sweep small enough to run in a fraction of a second: synthetic data, a 16-16-8-4 network.
func tinySweep(repeats: Int = 2, epochs: Int = 2, finetuneEpochs: Int = 0,
               methods: [PruningMethod] = [.weight, .unit], sparsities: [Double] = [0, 50, 90]) -> SweepSpec {
    SweepSpec(name: "tiny", dataset: DatasetSpec(name: .synthetic, trainSize: 256, testSize: 96, features: 16, classes: 4, seed: 3),
              model: ModelSpec(hidden: [16, 8]),
              training: TrainingSpec(epochs: epochs, batchSize: 32, learningRate: 0.01, seed: 11),
              pruning: PruningSpec(methods: methods, sparsities: sparsities, finetuneEpochs: finetuneEpochs),
              repeats: repeats)
}

/// Rows without what is measured by the clock (times, and the kernel chosen by timing it).
func withoutTimings(_ rows: [ResultRow]) -> [ResultRow] {
    rows.map { row in
        var row = row
        row.denseSeconds = 0
        row.prunedSeconds = 0
        row.kernel = .dense
        row.trainSeconds = row.trainSeconds.map { _ in 0 }
        // MACs follow the kernel the clock chose.
        row.macs = nil
        return row
    }
}

final class SweepRunnerTests: XCTestCase {
    func testWritesEveryFileAndOneRowPerPoint() throws {
        let folder = try makeTemporaryFolder(self)
        let spec = tinySweep()
        let outcome = try SweepRunner(spec: spec, outputDirectory: folder).run()

        XCTAssertEqual(Set(outcome.artifacts), Set(SweepRunner.artifactNames(repeats: 2)).subtracting(["sensitivity.svg"]), "sensitivity.svg needs the each-layer scope")
        for name in SweepRunner.artifactNames.filter({ $0 != "sensitivity.svg" }) + ["model-repeat-1.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
        }
        XCTAssertEqual(outcome.rows.map(\.point), SweepRunner(spec: spec, outputDirectory: folder).points)
        XCTAssertEqual(outcome.rows.count, 2 * 2 * 3)
        let written = try ResultsCSV.decode(String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8))
        XCTAssertEqual(written, outcome.rows)
        XCTAssertEqual(Set(outcome.rows.map(\.seed)), [11, 12])
        XCTAssertTrue(outcome.rows.allSatisfy { $0.seed == 11 + $0.repeatIndex })

        for r in 0..<2 {
            let rows = outcome.rows.filter { $0.repeatIndex == r }
            let weight = rows.filter { $0.method == .weight }, unit = rows.filter { $0.method == .unit }
            // At 0% both methods leave the network as trained.
            XCTAssertEqual(weight[0].accuracy, unit[0].accuracy)
            XCTAssertEqual(weight[0].nonzeroParameters, weight[0].totalParameters)
            XCTAssertEqual(weight.map(\.nonzeroParameters), weight.map(\.nonzeroParameters).sorted(by: >))
            XCTAssertTrue(weight[0].nonzeroParameters > weight[2].nonzeroParameters)
            XCTAssertTrue(unit.allSatisfy { $0.kernel == .shrunk })
            XCTAssertTrue(rows.allSatisfy { $0.totalParameters == 16 * 16 + 16 * 8 + 8 * 4 })
            XCTAssertTrue(rows.allSatisfy { $0.accuracyBeforeFinetune == nil && $0.denseSeconds > 0 && $0.prunedSeconds > 0 })
        }
        // The two repeats trained different models.
        XCTAssertNotEqual(outcome.rows[0].loss, outcome.rows[6].loss)
        // A 0% point is the trained network itself: its evaluation, to the bit.
        let trained = try Safetensors.read(from: folder.appendingPathComponent("model.safetensors"))
        let baseline = trained.evaluate(on: try Dataset.load(spec.dataset).test)
        for row in outcome.rows where row.repeatIndex == 0 && row.targetSparsity == 0 {
            XCTAssertEqual(row.accuracy, baseline.accuracy)
            XCTAssertEqual(row.loss.bitPattern, baseline.loss.bitPattern)
        }
    }

    func testInterruptedAndResumedGivesTheSameRowsAsOneRunStraightThrough() throws {
        let spec = tinySweep()
        let straight = try SweepRunner(spec: spec, outputDirectory: makeTemporaryFolder(self)).run()

        let folder = try makeTemporaryFolder(self)
        let runner = SweepRunner(spec: spec, outputDirectory: folder)
        // 1st attempt: stopped while training the second repeat (repeat 0's rows are done).
        let stopInTraining = CancellationFlag()
        XCTAssertThrowsError(try runner.run(cancellation: stopInTraining) { p in
            if p.phase == .training && p.repeatIndex == 1 && (p.step ?? 0) >= 1 { stopInTraining.cancel() }
        }) { XCTAssertTrue($0 is SweepCancelled, "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model-repeat-1.safetensors").path))
        XCTAssertEqual(try rowsOnDisk(folder).count, 6)

        // 2nd attempt: stopped in the middle of repeat 1's points; nothing of repeat 0 is redone.
        let stopAtPoint = CancellationFlag()
        var phases: [(SweepPhase, Int?)] = []
        XCTAssertThrowsError(try runner.run(cancellation: stopAtPoint) { p in
            phases.append((p.phase, p.repeatIndex))
            if p.level == 9 && p.phase == .evaluating { stopAtPoint.cancel() }
        }) { XCTAssertTrue($0 is SweepCancelled, "\($0)") }
        XCTAssertFalse(phases.contains { $0.0 == .training && $0.1 == 0 }, "repeat 0 was trained again")
        XCTAssertFalse(phases.contains { $0.0 == .pruning && $0.1 == 0 }, "repeat 0 was pruned again")
        XCTAssertEqual(try rowsOnDisk(folder).count, 8)

        // 3rd attempt: runs to the end.
        var trainedAgain = false
        let resumed = try runner.run { p in if p.phase == .training { trainedAgain = true } }
        XCTAssertFalse(trainedAgain)
        XCTAssertEqual(withoutTimings(resumed.rows), withoutTimings(straight.rows))
        XCTAssertEqual(withoutTimings(try rowsOnDisk(folder)), withoutTimings(straight.rows))
    }

    func testResumingWithFewerPointsKeepsTheRowsAlreadyMeasured() throws {
        let folder = try makeTemporaryFolder(self)
        let first = try SweepRunner(spec: tinySweep(repeats: 1, sparsities: [0, 50, 90]), outputDirectory: folder).run()
        XCTAssertEqual(first.rows.count, 6)
        // Fewer sparsities and one method: nothing is measured again, and no measured row is lost.
        let narrower = tinySweep(repeats: 1, methods: [.weight], sparsities: [50])
        let second = try SweepRunner(spec: narrower, outputDirectory: folder).run { p in
            XCTAssertNotEqual(p.phase, .pruning, "every point of the narrower spec was measured already")
        }
        let written = try ResultsCSV.decode(String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8))
        func sorted(_ rows: [ResultRow]) -> [ResultRow] { rows.sorted { ($0.method.rawValue, $0.targetSparsity) < ($1.method.rawValue, $1.targetSparsity) } }
        XCTAssertEqual(sorted(written), sorted(first.rows))
        XCTAssertEqual(written.first?.point, SweepPoint(method: .weight, targetSparsity: 50, repeatIndex: 0),
                       "the spec's own points come first")
        XCTAssertEqual(sorted(second.rows), sorted(first.rows))
    }

    func testArtifactNamesListEveryRepeatsCheckpoint() {
        XCTAssertEqual(SweepRunner.artifactNames(repeats: 1), SweepRunner.artifactNames)
        XCTAssertEqual(SweepRunner.artifactNames(repeats: 3).suffix(2), ["model-repeat-1.safetensors", "model-repeat-2.safetensors"])
    }

    func testCheckpointIsLoadedInsteadOfTrainingAndNewPointsAreAdded() throws {
        let folder = try makeTemporaryFolder(self)
        let first = try SweepRunner(spec: tinySweep(repeats: 1, sparsities: [0, 50]), outputDirectory: folder).run()

        // Same training, more sparsities: only the new points are measured, from the checkpoint.
        var measured: [SweepPoint] = []
        var trained = false
        let wider = tinySweep(repeats: 1, sparsities: [0, 50, 75])
        let second = try SweepRunner(spec: wider, outputDirectory: folder).run { p in
            if p.phase == .training { trained = true }
            if p.phase == .pruning, let m = p.method, let s = p.sparsity { measured.append(SweepPoint(method: m, targetSparsity: s, repeatIndex: 0)) }
        }
        XCTAssertFalse(trained)
        XCTAssertEqual(measured, [SweepPoint(method: .weight, targetSparsity: 75, repeatIndex: 0),
                                  SweepPoint(method: .unit, targetSparsity: 75, repeatIndex: 0)])
        XCTAssertEqual(second.rows.map(\.point), SweepRunner(spec: wider, outputDirectory: folder).points)
        XCTAssertEqual(second.rows.filter { $0.targetSparsity != 75 }, first.rows)

        // results.csv deleted: every point is measured again from the same checkpoint, with the same outcome.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("results.csv"))
        let third = try SweepRunner(spec: wider, outputDirectory: folder).run { p in
            XCTAssertNotEqual(p.phase, .training)
        }
        XCTAssertEqual(withoutTimings(third.rows), withoutTimings(second.rows))
    }

    func testFineTuningReportsBeforeAndAfterAndHoldsThePrunedWeightsAtZero() throws {
        let plain = try SweepRunner(spec: tinySweep(repeats: 1, sparsities: [90]), outputDirectory: makeTemporaryFolder(self)).run()
        let tuned = try SweepRunner(spec: tinySweep(repeats: 1, finetuneEpochs: 2, sparsities: [90]),
                                    outputDirectory: makeTemporaryFolder(self)).run()
        for (before, after) in zip(plain.rows, tuned.rows) {
            XCTAssertEqual(after.accuracyBeforeFinetune, before.accuracy)
            XCTAssertEqual(after.lossBeforeFinetune, before.loss)
            XCTAssertNotEqual(after.loss, before.loss, "fine-tuning changed nothing for \(after.method)")
            XCTAssertEqual(after.nonzeroParameters, before.nonzeroParameters, "\(after.method): the pruned weights did not stay at zero")
        }
    }

    func testProgressIsMonotonicAndEndsAtOne() throws {
        var reports: [SweepProgress] = []
        _ = try SweepRunner(spec: tinySweep(finetuneEpochs: 1), outputDirectory: makeTemporaryFolder(self)).run { reports.append($0) }
        XCTAssertEqual(reports.first?.phase, .loading)
        XCTAssertEqual(reports.last?.phase, .reporting)
        XCTAssertEqual(reports.last?.fraction, 1)
        XCTAssertEqual(zip(reports, reports.dropFirst()).filter { $0.fraction > $1.fraction }.count, 0, "the fraction went backwards")
        XCTAssertEqual(Set(reports.map(\.phase)), Set(SweepPhase.allCases))
        XCTAssertEqual(Set(reports.compactMap(\.level)), Set(1...12))
        XCTAssertTrue(reports.allSatisfy { $0.levels == nil || $0.levels == 12 })
        XCTAssertTrue(reports.contains { $0.phase == .training && $0.epoch == 2 && $0.epochs == 2 && $0.samplesPerSecond != nil })
    }

    func testAnotherSweepInTheSameFolderIsRefused() throws {
        let folder = try makeTemporaryFolder(self)
        _ = try SweepRunner(spec: tinySweep(repeats: 1, epochs: 1, sparsities: [50]), outputDirectory: folder).run()
        var other = tinySweep(repeats: 1, epochs: 1, sparsities: [50])
        other.model.hidden = [12]
        other.training.learningRate = 0.5
        XCTAssertThrowsError(try SweepRunner(spec: other, outputDirectory: folder).run()) { error in
            XCTAssertEqual(error as? SweepError, .outputDirectoryHoldsOtherSweep(path: folder.path, differences: ["model", "training"]))
            XCTAssertTrue("\(error)".contains("choose another output folder"), "\(error)")
        }
    }

    func testCheckpointOfAnotherShapeIsRefused() throws {
        let folder = try makeTemporaryFolder(self)
        let wrong = MLP.glorotUniform(layerSizes: [16, 5, 4], bias: false, seed: 1)
        try Safetensors.write(wrong, to: folder.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try SweepRunner(spec: tinySweep(repeats: 1), outputDirectory: folder).run()) { error in
            guard case let .checkpointMismatch(_, expected, found, _, _)? = error as? SweepError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(expected, [16, 16, 8, 4])
            XCTAssertEqual(found, [16, 5, 4])
            XCTAssertTrue("\(error)".contains("16-5-4"), "\(error)")
        }
    }

    func testDamagedResultsFileIsReportedWithItsPath() throws {
        let folder = try makeTemporaryFolder(self)
        try "method,accuracy\nweight,1\n".write(to: folder.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SweepRunner(spec: tinySweep(repeats: 1), outputDirectory: folder).run()) { error in
            guard case let .unreadableFile(path, detail)? = error as? SweepError else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue(path.hasSuffix("results.csv"))
            XCTAssertTrue(detail.contains("line 1"), detail)
        }
    }

    func testNetworkBeyondTheParameterLimitIsRefusedBeforeTraining() throws {
        var spec = tinySweep(repeats: 1)
        // Built directly (parse() would refuse it up front); the runner checks again with the data's real size.
        spec.dataset = DatasetSpec(name: .synthetic, trainSize: 4, testSize: 4, features: 4096, classes: 4)
        spec.model.hidden = [8192, 4096]
        var trained = false
        XCTAssertThrowsError(try SweepRunner(spec: spec, outputDirectory: makeTemporaryFolder(self)).run { p in
            if p.phase == .training { trained = true }
        }) { error in
            XCTAssertEqual(error as? SweepError, .modelTooLarge(parameters: 4096 * 8192 + 8192 * 4096 + 4096 * 4, limit: SpecLimits.maxParameters))
            XCTAssertTrue("\(error)".hasPrefix("/model/hidden"), "\(error)")
        }
        XCTAssertFalse(trained)
    }

    func testCheckpointNames() {
        XCTAssertEqual(SweepRunner.checkpointName(repeatIndex: 0), "model.safetensors")
        XCTAssertEqual(SweepRunner.checkpointName(repeatIndex: 3), "model-repeat-3.safetensors")
    }

    private func rowsOnDisk(_ folder: URL) throws -> [ResultRow] {
        try ResultsCSV.decode(String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8))
    }
}
