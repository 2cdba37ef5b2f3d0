import Foundation
import XCTest
import GRDB
@testable import JobStoreKit
import PruneKit

/// The contract suite on SQLite files under /tmp, plus what only SQLite has: the file's
/// migrations, WAL mode, and claimers in separate processes on one file.
final class SQLiteWorkStoreTests: XCTestCase {
    private var contract: WorkStoreContract {
        get throws {
            let folder = try StoreFixtures.temporaryFolder(self)
            return WorkStoreContract(
                makeStore: { try SQLiteWorkStore(path: folder.appendingPathComponent("\(UUID().uuidString).db").path) },
                reopen: { store in
                    guard let sqlite = store as? SQLiteWorkStore else { throw StoreTestError("not an SQLite store: \(store)") }
                    return try SQLiteWorkStore(path: sqlite.path)
                })
        }
    }

    func testClaimsFollowDependenciesAndPreferTheTrainer() throws { try contract.claimsFollowDependenciesAndPreferTheTrainer() }
    func testReportsRunLastAndTheJobSucceeds() throws { try contract.reportsRunLastAndTheJobSucceeds() }
    func testConcurrentClaimersNeverShareAUnit() throws { try contract.concurrentClaimersNeverShareAUnit() }
    func testAnExpiredLeaseGoesToAnotherWorkerAndItsLateWriteIsRefused() throws {
        try contract.anExpiredLeaseGoesToAnotherWorkerAndItsLateWriteIsRefused()
    }
    func testAnUnexpiredLeaseIsNotGivenAwayAndHeartbeatsKeepIt() throws { try contract.anUnexpiredLeaseIsNotGivenAwayAndHeartbeatsKeepIt() }
    func testAHeartbeatAfterExpiryTellsTheWorkerToStop() throws { try contract.aHeartbeatAfterExpiryTellsTheWorkerToStop() }
    func testReleaseHandsTheUnitBackAtOnce() throws { try contract.releaseHandsTheUnitBackAtOnce() }
    func testAUnitOutOfAttemptsFailsTheJobWithTheReasons() throws { try contract.aUnitOutOfAttemptsFailsTheJobWithTheReasons() }
    func testCancelStopsClaimsHeartbeatsAndWrites() throws { try contract.cancelStopsClaimsHeartbeatsAndWrites() }
    func testJobsRowsAndArtifactsAreKeptAndCheckedForSense() throws { try contract.jobsRowsAndArtifactsAreKeptAndCheckedForSense() }
    func testEarlierJSONRecordsAreImportedOnce() throws {
        try contract.earlierJSONRecordsAreImportedOnce(stateDirectory: try StoreFixtures.temporaryFolder(self))
    }

    func testIdempotencyKeysAreUniqueAndFindTheirJob() throws { try contract.idempotencyKeysAreUniqueAndFindTheirJob() }
    func testChangesReportEachChangedJobOnceWithProgressAndDeletes() throws {
        try contract.changesReportEachChangedJobOnceWithProgressAndDeletes()
    }
    func testALeaseExpiredInAClaimIsAChange() throws { try contract.aLeaseExpiredInAClaimIsAChange() }
    func testDeleteRemovesEverythingAndAHeldLeaseIsLost() throws { try contract.deleteRemovesEverythingAndAHeldLeaseIsLost() }
    func testExpiringADeadWorkersLeasesFreesItsUnitsAtOnce() throws { try contract.expiringADeadWorkersLeasesFreesItsUnitsAtOnce() }
    func testWaitForWorkWakesOnAnEnqueueElsewhereAndOtherwiseTimesOut() throws {
        try contract.waitForWorkWakesOnAnEnqueueElsewhereAndOtherwiseTimesOut()
    }

    // MARK: - SQLite only

    func testAnEmptyFileIsMigratedInWALModeAndKeepsItsDataWhenReopened() throws {
        let path = try StoreFixtures.temporaryFolder(self).appendingPathComponent("fresh.db").path
        let store = try SQLiteWorkStore(path: path)
        XCTAssertEqual(try store.appliedMigrations(), SQLiteSchema.migrator.migrations)
        XCTAssertEqual(try store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }, "wal")
        let tables = try store.pool.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        for table in ["artifacts", "jobs", "result_rows", "unit_attempts", "unit_dependencies", "units"] {
            XCTAssertTrue(tables.contains(table), "\(table) missing from \(tables)")
        }
        let job = NewJob(spec: try StoreFixtures.smallSpec())
        try store.enqueue(job, plan: SweepPlan(spec: job.spec), maxAttempts: 2)
        let reopened = try SQLiteWorkStore(path: path)
        XCTAssertEqual(try reopened.job(job.id)?.maxAttempts, 2)
        XCTAssertEqual(try reopened.appliedMigrations(), SQLiteSchema.migrator.migrations)
    }

    /// A file of the first schema keeps its jobs, which get change numbers in the order they were added.
    func testAVersionOneFileIsMigratedAndItsJobsNumbered() throws {
        let path = try StoreFixtures.temporaryFolder(self).appendingPathComponent("v1.db").path
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteSchema.migrator.migrate(pool, upTo: "v1-jobs-units-rows-artifacts")
            try pool.write { db in
                for (id, created) in [("older", 1.0), ("newer", 2.0)] {
                    try db.execute(sql: "INSERT INTO jobs (id, spec_json, state, max_attempts, created_at) VALUES (?, '{}', 'succeeded', 1, ?)",
                                   arguments: [id, created])
                }
            }
        }
        let store = try SQLiteWorkStore(path: path)
        XCTAssertEqual(try store.appliedMigrations(), SQLiteSchema.migrator.migrations)
        let all = try store.changes(after: 0)
        XCTAssertEqual(all.jobs.map(\.id), ["older", "newer"])
        XCTAssertEqual(all.jobs.map(\.changeSequence), [1, 2])
        XCTAssertEqual(all.sequence, 2)
        XCTAssertEqual(try store.changes(after: 1).jobs.map(\.id), ["newer"])
        XCTAssertNil(try store.job("older")?.idempotencyKey)
    }

    func testAFileMigratedByANewerVersionIsRefused() throws {
        let path = try StoreFixtures.temporaryFolder(self).appendingPathComponent("newer.db").path
        let store = try SQLiteWorkStore(path: path)
        try store.pool.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')") }
        XCTAssertThrowsError(try SQLiteWorkStore(path: path)) { error in
            XCTAssertEqual(error as? WorkStoreError, .schemaTooNew(applied: ["v9-from-the-future"]))
            XCTAssertTrue("\(error)".contains("newer PruneLab"), "\(error)")
        }
    }

    func testANonDatabaseFileIsRefusedWithAnError() throws {
        let path = try StoreFixtures.temporaryFolder(self).appendingPathComponent("not.db")
        try Data("this is not SQLite, just text long enough to fill a header page.....".utf8).write(to: path)
        XCTAssertThrowsError(try SQLiteWorkStore(path: path.path))
    }

    /// Three claimer processes (this test bundle, run as `StoreClaimerProcess`) drain one job on one file.
    func testThreeProcessesOnOneFileNeverShareAUnit() throws {
        let folder = try StoreFixtures.temporaryFolder(self)
        let path = folder.appendingPathComponent("shared.db").path
        let store = try SQLiteWorkStore(path: path)
        let job = NewJob(spec: try StoreFixtures.smallSpec(repeats: 3, sparsities: [0, 10, 20, 30, 40, 50, 60, 70]))
        let plan = SweepPlan(spec: job.spec)
        try store.enqueue(job, plan: plan, maxAttempts: 1)

        let children = try (0..<3).map { index -> (Process, Pipe) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            process.arguments = ["JobStoreKitTests.StoreClaimerProcess/testClaimUntilTheJobIsDone"]
            process.environment = ProcessInfo.processInfo.environment.merging([
                StoreClaimerProcess.databaseVariable: path, StoreClaimerProcess.jobVariable: job.id,
                StoreClaimerProcess.workerVariable: "process-\(index)", "SWIFT_BACKTRACE": "enable=no",
            ]) { $1 }
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            return (process, output)
        }
        var keysByChild: [[String]] = []
        for (process, output) in children {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, text)
            let keys = text.split(separator: "\n").compactMap { line in
                line.hasPrefix(StoreClaimerProcess.marker) ? String(line.dropFirst(StoreClaimerProcess.marker.count)) : nil
            }
            keysByChild.append(keys)
        }
        let all = keysByChild.flatMap { $0 }
        XCTAssertEqual(all.count, plan.units.count, "every unit ran once: \(keysByChild)")
        XCTAssertEqual(Set(all), Set(plan.units.map(\.key)))
        XCTAssertEqual(try store.job(job.id)?.state, .succeeded)
        XCTAssertTrue(try store.units(of: job.id).allSatisfy { $0.attempts == 1 })
        XCTAssertEqual(try store.rows(of: job.id).count, plan.lines.flatMap(\.points).count)
    }
}

/// The claimer process `testThreeProcessesOnOneFileNeverShareAUnit` starts (this test, with the
/// database, job and worker in its environment); run on its own, one claimer drains a job alone.
final class StoreClaimerProcess: XCTestCase {
    static let databaseVariable = "PRUNELAB_TEST_CLAIMER_DB"
    static let jobVariable = "PRUNELAB_TEST_CLAIMER_JOB"
    static let workerVariable = "PRUNELAB_TEST_CLAIMER_WORKER"
    static let marker = "claimed-unit "

    func testClaimUntilTheJobIsDone() throws {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment[Self.databaseVariable], let jobID = environment[Self.jobVariable],
           let worker = environment[Self.workerVariable] {
            let store = try SQLiteWorkStore(path: path)
            let spec = try XCTUnwrap(try store.job(jobID)).spec()
            let keys = try StoreFixtures.drain(store, jobID: jobID, plan: SweepPlan(spec: spec),
                                               worker: StoreFixtures.worker(worker, host: "host-\(worker)"))
            for key in keys { print(Self.marker + key) }
            return
        }
        // Alone: every unit once, in an order its dependencies allow, and the job succeeds.
        let store = try SQLiteWorkStore(path: try StoreFixtures.temporaryFolder(self).appendingPathComponent("alone.db").path)
        let job = NewJob(spec: try StoreFixtures.smallSpec(repeats: 2, sparsities: [0, 50]))
        let plan = SweepPlan(spec: job.spec)
        try store.enqueue(job, plan: plan, maxAttempts: 1)
        let keys = try StoreFixtures.drain(store, jobID: job.id, plan: plan, worker: StoreFixtures.worker("alone"))
        XCTAssertEqual(keys.count, plan.units.count, "\(keys)")
        XCTAssertEqual(Set(keys), Set(plan.units.map(\.key)))
        for unit in plan.units {
            let position = try XCTUnwrap(keys.firstIndex(of: unit.key))
            for dependency in unit.dependencies {
                XCTAssertLessThan(try XCTUnwrap(keys.firstIndex(of: dependency)), position, "\(unit.key) ran before \(dependency)")
            }
        }
        XCTAssertEqual(try store.job(job.id)?.state, .succeeded)
    }
}
