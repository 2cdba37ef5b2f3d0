import Foundation
import JobStoreKit
import PruneKit
import XCTest
@testable import PruneLabService

/// A job as the API shows it, built from the store's job, units and attempts.
final class JobRecordTests: XCTestCase {
    func testNewRecordIsQueuedWithLowercaseUUID() {
        let record = JobRecord(spec: .reference)
        XCTAssertEqual(record.state, .queued)
        XCTAssertEqual(record.id, record.id.lowercased())
        XCTAssertNotNil(UUID(uuidString: record.id))
        XCTAssertEqual(record.attempts, 0)
        XCTAssertNil(record.startedAt)
    }

    func testFinishedStates() {
        XCTAssertEqual(JobState.allCases.filter(\.isFinished), [.succeeded, .failed, .cancelled])
    }

    private func unit(_ key: String, _ state: UnitState, cost: Double, progress: SweepProgress? = nil, position: Int) throws -> StoredUnit {
        StoredUnit(jobID: "j", key: key, position: position, repeatIndex: 0, dependencies: [], state: state, attempts: 1,
                   leaseOwner: state == .leased ? "w" : nil, leaseExpiresAt: state == .leased ? 2_000 : nil, fencingToken: 1,
                   lastError: nil, doneByWorker: nil, doneByHost: nil, cost: cost,
                   progressJSON: try progress.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) })
    }

    func testProgressWeightsEachUnitByItsCostAndShowsTheEarliestRunningUnit() throws {
        var training = SweepProgress(phase: .training, fraction: 1)
        training.epoch = 2
        var evaluating = SweepProgress(phase: .evaluating, fraction: 0.5)
        evaluating.method = .weight
        evaluating.sparsity = 50
        let units = try [unit("train/r0", .done, cost: 6, progress: training, position: 0),
                     unit("line/r0/weight/all/0", .done, cost: 1, position: 1),
                     unit("line/r0/weight/all/50", .leased, cost: 2, progress: evaluating, position: 2),
                     unit("reports", .pending, cost: 1, position: 3)]
        let progress = try XCTUnwrap(JobRecord.progress(of: units, state: .running, startedAt: 1_000, now: 1_010, levels: 2))
        XCTAssertEqual(progress.fraction, 0.8, accuracy: 1e-12, "(6 + 1 + 2 × 0.5) / 10")
        XCTAssertEqual(progress.phase, .evaluating)
        XCTAssertEqual(progress.sparsity, 50)
        XCTAssertEqual(progress.levels, 2)
        XCTAssertEqual(progress.etaSeconds ?? -1, 2.5, accuracy: 1e-9, "10 s for 80 %: 2.5 s left")
        XCTAssertNil(JobRecord.progress(of: units.map { var u = $0; u.state = .pending; u.progressJSON = nil; return u },
                                        state: .queued, startedAt: nil, now: 1_010, levels: 2), "a queued job has no progress")
        XCTAssertEqual(JobRecord.progress(of: units, state: .succeeded, startedAt: 1_000, now: 1_010, levels: 2)?.fraction, 1)
    }

    func testAttemptsShowTheUnitAndWorkerAndAHandBackAfterACancelReadsCancelled() throws {
        let store = try SQLiteWorkStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID()).db").path)
        let spec = TestSpecs.tiny()
        try store.enqueue(NewJob(id: "j", spec: spec), plan: SweepPlan(spec: spec), maxAttempts: 3)
        let worker = WorkerIdentity(id: "w1", host: "h")
        let lease = try XCTUnwrap(try store.claim(worker: worker, leaseSeconds: 30))
        try store.cancel(jobID: "j")
        try store.release(lease)
        let stored = try XCTUnwrap(try store.job("j"))
        let record = try JobRecord(stored: stored, units: store.units(of: "j"), attempts: store.attempts(of: "j"),
                                   now: Date().timeIntervalSince1970)
        XCTAssertEqual(record.state, .cancelled)
        XCTAssertFalse(record.cancelRequested, "no worker holds a unit any more")
        XCTAssertEqual(record.attempts, 1)
        XCTAssertEqual(record.attemptLog.first?.outcome, .cancelled)
        XCTAssertTrue(record.attemptLog.first?.reason?.contains("unit train/r0 on worker w1") ?? false, record.attemptLog.first?.reason ?? "")
    }
}
