import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

/// Records across restarts and failed writes.
final class JobRecoveryTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    func testARecordWithoutAnAttemptLogStillLoads() throws {
        var record = JobRecord(spec: TestSpecs.tiny())
        record.start()
        record.finish(.succeeded)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: JobStore.encoder.encode(record)) as? [String: Any])
        object["attempt_log"] = nil
        object["cores"] = nil
        let decoded = try JobStore.decoder.decode(JobRecord.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(decoded.attemptLog, [])
        XCTAssertEqual(decoded.attempts, 1)
        XCTAssertEqual(decoded.state, .succeeded)
    }

    func testAJobTheServiceDiedDuringTooOftenIsFailedOnRestartNotStarted() {
        var record = JobRecord(spec: TestSpecs.tiny())
        for attempt in 1...3 {
            record.start()
            record.recoverAfterRestart(maxAttempts: 3)   // the service died during each attempt
            XCTAssertEqual(record.state, attempt < 3 ? .queued : .failed)
        }
        XCTAssertEqual(record.attempts, 3)
        XCTAssertEqual(record.attemptLog.map(\.outcome), [.crashed, .crashed, .crashed])
        XCTAssertTrue(record.error?.contains("3 failed attempts") ?? false, record.error ?? "")
    }

    func testAShutdownDoesNotCountAsAFailedAttempt() {
        var record = JobRecord(spec: TestSpecs.tiny())
        for _ in 1...5 {
            record.start()
            record.endAttempt(.interrupted, reason: "the service shut down")
            record.recoverAfterRestart(maxAttempts: 3)
        }
        XCTAssertEqual(record.state, .queued)
        XCTAssertEqual(record.failedAttempts, 0)
    }

    func testARolledBackSubmissionLeavesNoRecordEvenWhenACancelRacedIt() throws {
        var store = try JobStore(stateDirectory: folder.url.appendingPathComponent("state"))
        let manager = ManagerBox()
        // The first save of each job fails, and a cancel arrives while it is being written.
        store.faultBeforeSave = { record in
            guard record.state == .queued, let jobs = manager.jobs else { return nil }
            _ = jobs.cancel(record.id)
            return NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC),
                           userInfo: [NSLocalizedDescriptionKey: "No space left on device"])
        }
        let jobs = try JobManager.forTests(in: folder.url, store: store)
        manager.jobs = jobs
        XCTAssertThrowsError(try jobs.submit(TestSpecs.tiny()))
        jobs.waitForPendingWrites()
        XCTAssertEqual(jobs.jobs().count, 0)
        XCTAssertEqual(jobs.store.loadAll().records.count, 0, "the cancel's save was undone too")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: jobs.store.directory.path).filter { $0.hasSuffix(".json") }, [])
    }

    private final class ManagerBox: @unchecked Sendable { var jobs: JobManager? }
}

/// Limits as `serve` takes them.
final class JobLimitsTests: XCTestCase {
    func testSizesTakeBytesOrUnits() {
        XCTAssertEqual(ByteCount.parse("1073741824"), 1 << 30)
        XCTAssertEqual(ByteCount.parse("4G"), 4_000_000_000)
        XCTAssertEqual(ByteCount.parse("4GiB"), 4 << 30)
        XCTAssertEqual(ByteCount.parse("512m"), 512_000_000)
        XCTAssertEqual(ByteCount.parse("1.5GB"), 1_500_000_000)
        for bad in ["", "G", "-1G", "4X", "nan", "1e30T"] { XCTAssertNil(ByteCount.parse(bad), bad) }
    }

    func testTheDefaultJobMemoryIsHalfOfPhysicalMemoryPerWorker() {
        let half = Int(ProcessInfo.processInfo.physicalMemory / 2)
        XCTAssertEqual(JobLimits.defaultJobMemoryBytes(workers: 1), half)
        XCTAssertEqual(JobLimits.defaultJobMemoryBytes(workers: 4), half / 4)
    }

    func testAMissingExecutableFailsTheJobAndSaysWhichFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let missing = folder.url.appendingPathComponent("no-such-prunelab")
        let jobs = try JobManager.forTests(in: folder.url, executor: ChildProcessExecutor(executable: missing))
        jobs.start()
        defer { jobs.shutdown() }
        let id = try jobs.submit(TestSpecs.tiny()).record.id
        jobs.waitForState(id, [.failed, .succeeded])
        let record = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(record.state, .failed)
        XCTAssertTrue(record.error?.contains(missing.path) ?? false, record.error ?? "")
    }
}
