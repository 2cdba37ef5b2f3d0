import Foundation
import XCTest
@testable import PruneKit

final class WorkUnitTests: XCTestCase {
    private struct Interrupted: Error {}

    private func run(_ spec: SweepSpec, _ key: String, in job: URL, cancellation: CancellationFlag = CancellationFlag(),
                     progress: @escaping (SweepProgress) -> Void = { _ in },
                     rowMeasured: @escaping (ResultRow) throws -> Void = { _ in }) throws -> [ResultRow] {
        let unit = try XCTUnwrap(SweepPlan(spec: spec).unit(key), key)
        return try WorkUnitRunner(spec: spec, jobFolder: job).run(unit, cancellation: cancellation, progress: progress,
                                                                   rowMeasured: rowMeasured)
    }

    /// Every training unit, then every line in shuffled order, each in a fresh runner; the rows
    /// as a store would hand them to the reports unit (shuffled).
    private func runEveryUnit(_ spec: SweepSpec, in job: URL) throws -> [ResultRow] {
        let plan = SweepPlan(spec: spec)
        for unit in plan.units {
            guard case .training = unit.kind else { continue }
            XCTAssertEqual(try run(spec, unit.key, in: job), [])
        }
        var generator = SeededGenerator(seed: 7)
        var rows: [ResultRow] = []
        for line in plan.lines.shuffled(using: &generator) {
            var seen: [ResultRow] = []
            let returned = try run(spec, line.key, in: job, rowMeasured: { seen.append($0) })
            XCTAssertEqual(seen, returned, "rowMeasured sees each row once, in order: \(line.key)")
            XCTAssertEqual(returned.map(\.point), line.points, line.key)
            rows += returned
        }
        return rows.shuffled(using: &generator)
    }

    private func file(_ folder: URL, _ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    /// A chart without its points' tooltips, which quote each point's measured inference time.
    private func chart(_ folder: URL, _ name: String) throws -> String {
        String(decoding: try file(folder, name), as: UTF8.self).replacingOccurrences(of: "<title>[^<]*</title>", with: "", options: .regularExpression)
    }

    /// summary.csv without the columns the clock decides.
    private func summaryWithoutTimings(_ folder: URL) throws -> [[String]] {
        let timed: Set = ["dense_seconds_mean", "dense_seconds_std", "pruned_seconds_mean", "pruned_seconds_std", "speedup", "kernels"]
        let records = try CSV.decode(String(decoding: try file(folder, "summary.csv"), as: UTF8.self))
        let keep = try XCTUnwrap(records.first).indices.filter { !timed.contains(records[0][$0]) }
        return records.map { record in keep.map { record[$0] } }
    }

    private func rows(in folder: URL) throws -> [ResultRow] {
        try ResultsCSV.decode(String(decoding: try file(folder, "results.csv"), as: UTF8.self))
    }

    /// Every file below `folder` and its bytes.
    private func snapshot(_ folder: URL) throws -> [String: Data] {
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]))
        var files: [String: Data] = [:]
        for case let url as URL in enumerator where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
            files[url.path] = try Data(contentsOf: url)
        }
        return files
    }

    /// Runs `spec` once as a single run and once unit by unit, and checks the job's files are the single run's.
    private func assertUnitsDrawASingleRun(_ spec: SweepSpec, exporting point: PointSelector,
                                           file: StaticString = #filePath, line: UInt = #line) throws {
        let single = try makeTemporaryFolder(self), job = try makeTemporaryFolder(self)
        let whole = try SweepRunner(spec: spec, outputDirectory: single).run()
        let rows = try runEveryUnit(spec, in: job)
        let artifacts = try WorkUnitRunner(spec: spec, jobFolder: job).drawReports(rows: rows)

        XCTAssertEqual(Set(artifacts), Set(whole.artifacts), file: file, line: line)
        XCTAssertEqual(withoutTimings(try self.rows(in: job)), withoutTimings(whole.rows), file: file, line: line)
        XCTAssertEqual(try summaryWithoutTimings(job), try summaryWithoutTimings(single), file: file, line: line)
        for name in ["masks.json", "masks.svg", "spec.json"] {
            XCTAssertEqual(try self.file(job, name), try self.file(single, name), name, file: file, line: line)
        }
        for name in ["weights.svg", "accuracy.svg", "loss.svg", "accuracy-compression.svg", "layers.svg"] {
            XCTAssertEqual(try chart(job, name), try chart(single, name), name, file: file, line: line)
        }
        for r in 0..<spec.repeats {
            let name = SweepRunner.checkpointName(repeatIndex: r)
            XCTAssertEqual(try self.file(job, name), try self.file(single, name), name, file: file, line: line)
        }
        // A stored point's network is exported from J as from the single run's folder.
        let exported = try PointExport.network(folder: job, point: point)
        XCTAssertEqual(exported.source, .stored, file: file, line: line)
        XCTAssertEqual(exported.model, try PointExport.network(folder: single, point: point).model, file: file, line: line)
    }

    // MARK: - A job unit by unit is a single run

    func testOneShotUnitsRunOneByOneDrawTheFilesOfASingleRun() throws {
        // Fine-tuned, so every point's network is stored in J/points.
        try assertUnitsDrawASingleRun(tinySweep(repeats: 2, finetuneEpochs: 1),
                                      exporting: PointSelector(method: .weight, sparsity: 50, repeatIndex: 1))
    }

    func testIterativeUnitsRunOneByOneDrawTheFilesOfASingleRun() throws {
        // Lottery tickets: each step rewinds to the weights after epoch 1 (the snapshot the training unit leaves in J).
        var spec = tinySweep(repeats: 2, sparsities: [20, 50, 80])
        spec.pruning.schedule = .iterative
        spec.pruning.rewind = .epoch(1)
        try assertUnitsDrawASingleRun(spec, exporting: PointSelector(method: .unit, sparsity: 50, repeatIndex: 1))
    }

    // MARK: - Resuming, running twice, cancelling

    private func lotterySpec() -> SweepSpec {
        var spec = tinySweep(repeats: 1, methods: [.weight], sparsities: [20, 50, 80])
        spec.pruning.schedule = .iterative
        spec.pruning.rewind = .epoch(1)
        return spec
    }

    func testALineUnitRunTwiceChangesNothing() throws {
        let spec = lotterySpec(), job = try makeTemporaryFolder(self)
        _ = try run(spec, "train/r0", in: job)
        let first = try run(spec, "line/r0/weight/all", in: job)
        XCTAssertEqual(first.count, 3)
        let files = try snapshot(job)
        XCTAssertTrue(files.keys.contains { $0.hasSuffix("/units/line_r0_weight_all/results.csv") }, "\(files.keys.sorted())")
        XCTAssertTrue(files.keys.contains { $0.hasSuffix("/points/weight-80-repeat-0-step-3.safetensors") }, "\(files.keys.sorted())")

        var phases: [SweepPhase] = [], seen: [ResultRow] = []
        let again = try run(spec, "line/r0/weight/all", in: job, progress: { phases.append($0.phase) }, rowMeasured: { seen.append($0) })
        XCTAssertEqual(again, first)
        XCTAssertEqual(seen, [])
        XCTAssertFalse(phases.contains(.training) || phases.contains(.pruning), "\(phases)")
        XCTAssertEqual(try snapshot(job), files)
    }

    func testAnInterruptedLineUnitResumesAndReturnsEveryRow() throws {
        let spec = lotterySpec(), job = try makeTemporaryFolder(self), straight = try makeTemporaryFolder(self)
        _ = try run(spec, "train/r0", in: job)
        var seen: [ResultRow] = []
        XCTAssertThrowsError(try run(spec, "line/r0/weight/all", in: job, rowMeasured: { seen.append($0); throw Interrupted() })) { error in
            XCTAssertTrue(error is Interrupted, "\(error)")
        }
        XCTAssertEqual(seen.map(\.targetSparsity), [20])

        var resumed: [ResultRow] = []
        let rows = try run(spec, "line/r0/weight/all", in: job, rowMeasured: { resumed.append($0) })
        XCTAssertEqual(rows.map(\.targetSparsity), [20, 50, 80])
        XCTAssertEqual(resumed, Array(rows.dropFirst()), "the resumed row is returned but not told again")
        XCTAssertEqual(rows.first, seen.first)

        _ = try run(spec, "train/r0", in: straight)
        XCTAssertEqual(withoutTimings(rows), withoutTimings(try run(spec, "line/r0/weight/all", in: straight)))
    }

    func testCancellationThrowsSweepCancelled() throws {
        let spec = lotterySpec(), job = try makeTemporaryFolder(self)
        let cancelled = CancellationFlag()
        cancelled.cancel()
        XCTAssertThrowsError(try run(spec, "train/r0", in: job, cancellation: cancelled)) { XCTAssertTrue($0 is SweepCancelled, "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: job.appendingPathComponent("model.safetensors").path))

        _ = try run(spec, "train/r0", in: job)
        // Cancelled while the first step is recorded: the next step does not start.
        let flag = CancellationFlag()
        var seen = 0
        XCTAssertThrowsError(try run(spec, "line/r0/weight/all", in: job, cancellation: flag, rowMeasured: { _ in seen += 1; flag.cancel() })) {
            XCTAssertTrue($0 is SweepCancelled, "\($0)")
        }
        XCTAssertEqual(seen, 1)
    }

    func testAUnitReportsItsOwnFractionFromZeroToOne() throws {
        let spec = tinySweep(repeats: 2), job = try makeTemporaryFolder(self)
        for key in ["train/r1", "line/r1/unit/all/50"] {
            var fractions: [Double] = []
            _ = try run(spec, key, in: job, progress: { fractions.append($0.fraction) })
            XCTAssertEqual(fractions.first, 0, key)
            XCTAssertEqual(fractions.last, 1, key)
            XCTAssertTrue(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 }, "\(key): \(fractions)")
            // The line's checkpoint is loaded, not counted: its point is the whole unit.
            if key.hasPrefix("line") { XCTAssertTrue(fractions.dropLast().allSatisfy { $0 < 1 }, "\(fractions)") }
        }
    }

    // MARK: - Missing inputs are named

    func testALineUnitWithoutItsCheckpointNamesTheTrainingUnitAndTrainsNothing() throws {
        let spec = tinySweep(repeats: 2), job = try makeTemporaryFolder(self)
        let checkpoint = job.appendingPathComponent("model-repeat-1.safetensors")
        XCTAssertThrowsError(try run(spec, "line/r1/weight/all/50", in: job)) { error in
            XCTAssertEqual(error as? SweepError, .missingTrainingOutput(path: checkpoint.path, unit: "train/r1"))
            XCTAssertTrue("\(error)".hasPrefix("\(checkpoint.path) is missing: work unit train/r1 writes it"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint.path))
    }

    func testALotteryLineWithoutItsRewindSnapshotNamesTheTrainingUnit() throws {
        let spec = lotterySpec(), job = try makeTemporaryFolder(self)
        _ = try run(spec, "train/r0", in: job)
        let snapshot = job.appendingPathComponent(SweepRunner.rewindName(repeatIndex: 0, epoch: 1))
        try FileManager.default.removeItem(at: snapshot)
        XCTAssertThrowsError(try run(spec, "line/r0/weight/all", in: job)) { error in
            XCTAssertEqual(error as? SweepError, .missingTrainingOutput(path: snapshot.path, unit: "train/r0"))
        }
    }

    func testTheReportsNameAMissingBaselineCheckpointOrLine() throws {
        let spec = tinySweep(repeats: 2, methods: [.weight], sparsities: [0, 50]), job = try makeTemporaryFolder(self)
        let rows = try runEveryUnit(spec, in: job)
        let units = WorkUnitRunner(spec: spec, jobFolder: job)
        XCTAssertThrowsError(try units.drawReports(rows: rows.filter { $0.point != spec.points[1] })) { error in
            XCTAssertEqual(error as? SweepError, .missingUnitRows(keys: ["line/r0/weight/all/50"]))
        }
        var foreign = rows[0]
        foreign.repeatIndex = 5
        XCTAssertThrowsError(try units.drawReports(rows: rows + [foreign])) { error in
            XCTAssertEqual(error as? SweepError, .unknownWorkUnits(keys: ["line/r5/weight/all/\(Int(foreign.targetSparsity))"]))
        }
        let baseline = WorkUnitRunner.folder(ofUnit: "train/r1", in: job).appendingPathComponent("baseline.json")
        let kept = try Data(contentsOf: baseline)
        try FileManager.default.removeItem(at: baseline)
        XCTAssertThrowsError(try units.drawReports(rows: rows)) { error in
            XCTAssertEqual(error as? SweepError, .missingTrainingOutput(path: baseline.path, unit: "train/r1"))
        }
        try kept.write(to: baseline)
        let checkpoint = job.appendingPathComponent("model.safetensors")
        try FileManager.default.removeItem(at: checkpoint)
        XCTAssertThrowsError(try units.drawReports(rows: rows)) { error in
            XCTAssertEqual(error as? SweepError, .missingTrainingOutput(path: checkpoint.path, unit: "train/r0"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: job.appendingPathComponent("results.csv").path))
    }

    func testTheReportsUnitIsDrawnNotRun() throws {
        let spec = tinySweep(repeats: 1), job = try makeTemporaryFolder(self)
        XCTAssertThrowsError(try run(spec, SweepPlan.reportsKey, in: job)) { error in
            XCTAssertEqual(error as? SweepError, .unitNeedsRows(key: "reports"))
        }
        var stranger = try XCTUnwrap(SweepPlan(spec: spec).lines.first)
        stranger.key = "line/r9/weight/all/0"
        XCTAssertThrowsError(try WorkUnitRunner(spec: spec, jobFolder: job).run(stranger, cancellation: CancellationFlag(),
                                                                               progress: { _ in }, rowMeasured: { _ in })) { error in
            XCTAssertEqual(error as? SweepError, .unknownWorkUnits(keys: ["line/r9/weight/all/0"]))
        }
    }

    func testAUnitFolderIsNamedByItsKey() {
        let job = URL(fileURLWithPath: "/jobs/j1")
        XCTAssertEqual(WorkUnitRunner.folder(ofUnit: "line/r0/unit/layer2/50", in: job).path, "/jobs/j1/units/line_r0_unit_layer2_50")
        XCTAssertEqual(WorkUnitRunner.folder(ofUnit: "train/r3", in: job).path, "/jobs/j1/units/train_r3")
    }

    // MARK: - Costs

    func testEveryUnitHasAPositiveCostAndTrainingsDominateTheReferenceSweep() {
        let spec = SweepSpec(), shape = DataShape(trainCount: 60_000, testCount: 10_000, features: 784, classes: 10)
        let plan = SweepPlan(spec: spec)
        let costs = plan.unitCosts(spec: spec, shape: shape)
        XCTAssertEqual(Set(costs.keys), Set(plan.units.map(\.key)))
        XCTAssertTrue(costs.values.allSatisfy { $0 > 0 }, "\(costs)")
        let training = costs["train/r0"] ?? 0
        XCTAssertEqual(training, 5 * 3 * 60_000)
        let lines = plan.lines.map { costs[$0.key] ?? 0 }
        XCTAssertTrue(lines.allSatisfy { $0 * 10 < training }, "\(lines) against \(training)")
        XCTAssertLessThan(costs[SweepPlan.reportsKey] ?? 0, lines.min() ?? 0)
        // The units' costs add up to the whole sweep's progress total (the reports aside).
        let tracker = SweepProgressTracker(spec: spec, trainCount: shape.trainCount, testCount: shape.testCount) { _ in }
        XCTAssertEqual(costs.values.reduce(0, +) - (costs[SweepPlan.reportsKey] ?? 0), tracker.total)
    }

    func testAnIterativeLineCostsEveryStepAndItsControls() {
        var spec = tinySweep(repeats: 1, methods: [.weight], sparsities: [20, 50])
        spec.pruning.schedule = .iterative
        spec.pruning.controls = [.smallDense]
        let shape = DataShape(trainCount: 256, testCount: 96, features: 16, classes: 4)
        let costs = SweepPlan(spec: spec).unitCosts(spec: spec, shape: shape)
        let work = SweepWorkUnits(spec: spec, trainCount: 256, testCount: 96)
        XCTAssertEqual(costs["line/r0/weight/all"], 2 * (work.pointUnits + work.smallDenseUnits))
        XCTAssertEqual(costs["reports"], 4)
    }
}
