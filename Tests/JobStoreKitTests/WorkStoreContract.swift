import Foundation
import XCTest
import JobStoreKit
import PruneKit

/// What every `WorkStore` must do, written against the protocol alone: each implementation's
/// test class makes fresh stores and calls every check (SQLite now, PostgreSQL later). Leases
/// are short (0.2 s) where expiry is the point; waits only order events, they never time them.
struct WorkStoreContract: Sendable {
    /// A new, empty store (each call a separate database).
    let makeStore: @Sendable () throws -> any WorkStore
    /// A second connection (another "process") to the same database as `store`.
    let reopen: @Sendable (any WorkStore) throws -> any WorkStore

    func enqueue(_ store: any WorkStore, spec: SweepSpec? = nil, maxAttempts: Int = 3) throws -> (NewJob, SweepPlan) {
        let job = NewJob(spec: try spec ?? StoreFixtures.smallSpec())
        let plan = SweepPlan(spec: job.spec)
        try store.enqueue(job, plan: plan, maxAttempts: maxAttempts)
        return (job, plan)
    }

    // MARK: - Claim order and dependencies

    func claimsFollowDependenciesAndPreferTheTrainer() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store)
        let a = StoreFixtures.worker("a", host: "host-a"), b = StoreFixtures.worker("b", host: "host-b")
        let b2 = StoreFixtures.worker("b2", host: "host-b"), c = StoreFixtures.worker("c", host: "host-c")
        XCTAssertEqual(try store.job(job.id)?.state, .queued)
        XCTAssertEqual(try store.units(of: job.id).map(\.key), plan.units.map(\.key))

        let trainA = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        XCTAssertEqual(trainA.unitKey, "train/r0")
        XCTAssertEqual(try store.job(job.id)?.state, .running)
        let trainB = try XCTUnwrap(try store.claim(worker: b, leaseSeconds: 30))
        XCTAssertEqual(trainB.unitKey, "train/r1")
        XCTAssertNil(try store.claim(worker: c, leaseSeconds: 30), "every line needs a training that is not done")

        try store.complete(trainB)
        let first = try XCTUnwrap(try store.claim(worker: c, leaseSeconds: 30))
        XCTAssertEqual(first.unitKey, "line/r1/weight/all/0", "only repeat 1's lines are claimable")
        try store.complete(first)
        try store.complete(trainA)
        // a trained repeat 0, b (and b2, on b's host) repeat 1: each takes its own repeat's lines first.
        var held: [Lease] = []
        for (worker, expected) in [(a, "line/r0/weight/all/0"), (b, "line/r1/weight/all/50"), (b2, "line/r1/unit/all/0"),
                                   (c, "line/r0/weight/all/50")] {
            let lease = try XCTUnwrap(try store.claim(worker: worker, leaseSeconds: 30))
            XCTAssertEqual(lease.unitKey, expected, "\(worker.id) (a worker that trained nothing takes plan order)")
            held.append(lease)
        }
        // The reports wait for the last line.
        while let lease = try store.claim(worker: c, leaseSeconds: 30) {
            XCTAssertNotEqual(lease.unitKey, SweepPlan.reportsKey, "reports claimed before every line was done")
            held.append(lease)
        }
        XCTAssertEqual(held.count, 7, "the 8 lines but the one c completed")
        for lease in held.dropLast() { try store.complete(lease) }
        XCTAssertNil(try store.claim(worker: c, leaseSeconds: 30), "one line is still leased")
        try store.complete(try XCTUnwrap(held.last))
        let reports = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        XCTAssertEqual(reports.unitKey, SweepPlan.reportsKey)
        XCTAssertEqual(try store.job(job.id)?.state, .running)
        try store.complete(reports)
        XCTAssertEqual(try store.job(job.id)?.state, .succeeded)
    }

    func reportsRunLastAndTheJobSucceeds() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store)
        let order = try StoreFixtures.drain(store, jobID: job.id, plan: plan, worker: StoreFixtures.worker("solo"))
        XCTAssertEqual(order, plan.units.map(\.key), "one worker runs the plan in its order")
        let finished = try XCTUnwrap(try store.job(job.id))
        XCTAssertEqual(finished.state, .succeeded)
        XCTAssertNotNil(finished.startedAt)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(finished.finishedAt), try XCTUnwrap(finished.startedAt))
        XCTAssertEqual(try finished.spec(), job.spec)
        XCTAssertEqual(try store.rows(of: job.id).count, plan.lines.flatMap(\.points).count)
        XCTAssertTrue(try store.units(of: job.id).allSatisfy { $0.state == .done && $0.attempts == 1 && $0.doneByWorker == "solo" })
        XCTAssertNil(try store.claim(worker: StoreFixtures.worker("late"), leaseSeconds: 30))
    }

    // MARK: - Exclusive claims

    func concurrentClaimersNeverShareAUnit() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 3, sparsities: [0, 10, 20, 30, 40, 50]))
        let threads = 6
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: threads) { index in
            do {
                // Half the threads use their own connection, as separate processes would.
                let own = index % 2 == 0 ? store : try reopen(store)
                let keys = try StoreFixtures.drain(own, jobID: job.id, plan: plan, worker: StoreFixtures.worker("t\(index)"))
                results.add(keys)
            } catch {
                results.fail("\(error)")
            }
        }
        XCTAssertEqual(results.errors, [])
        let all = results.keys
        XCTAssertEqual(all.count, plan.units.count, "every unit ran once")
        XCTAssertEqual(Set(all), Set(plan.units.map(\.key)))
        XCTAssertTrue(try store.units(of: job.id).allSatisfy { $0.attempts == 1 && $0.fencingToken == 1 })
        XCTAssertEqual(try store.job(job.id)?.state, .succeeded)
        XCTAssertEqual(try store.rows(of: job.id).count, plan.lines.flatMap(\.points).count)
    }

    // MARK: - Leases

    func anExpiredLeaseGoesToAnotherWorkerAndItsLateWriteIsRefused() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1))
        let a = StoreFixtures.worker("a"), b = StoreFixtures.worker("b", host: "host-b")
        let training = try XCTUnwrap(try store.claim(worker: b, leaseSeconds: 30))
        try store.complete(training)

        let stale = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 0.2))
        XCTAssertEqual(stale.unitKey, "line/r0/weight/all/0")
        let taken = try StoreFixtures.claimWhenFree(store, worker: b)
        // b's lines come first anyway (it trained); it still gets a's unit only after a's lease ran out.
        var takeover = taken
        var others: [Lease] = []
        while takeover.unitKey != stale.unitKey {
            others.append(takeover)
            takeover = try StoreFixtures.claimWhenFree(store, worker: b)
        }
        XCTAssertEqual(takeover.fencingToken, stale.fencingToken + 1)
        XCTAssertEqual(takeover.attempt, 2)
        XCTAssertEqual(try store.heartbeat(stale, leaseSeconds: 30), .lost("a later lease (fencing token \(takeover.fencingToken), worker b) took the unit over"))

        let rowsA = StoreFixtures.rows(of: stale.unitKey, in: plan, worker: a)
        let rowsB = StoreFixtures.rows(of: stale.unitKey, in: plan, worker: b)
        XCTAssertEqual(try store.record(rowsB, under: takeover), rowsB.count)
        XCTAssertThrowsError(try store.record(rowsA, under: stale)) { error in
            guard case let WorkStoreError.leaseLost(jobID, unitKey, token, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual([jobID, unitKey, "\(token)"], [job.id, stale.unitKey, "\(stale.fencingToken)"])
            XCTAssertTrue("\(error)".contains("no longer held"), "\(error)")
        }
        XCTAssertThrowsError(try store.complete(stale))
        XCTAssertEqual(try store.record(rowsB, under: takeover), 0, "a point is recorded once")
        try store.complete(takeover)
        let rows = try store.rows(of: job.id).filter { $0.unitKey == stale.unitKey }
        XCTAssertEqual(rows.count, rowsB.count)
        XCTAssertTrue(rows.allSatisfy { $0.fencingToken == takeover.fencingToken && $0.host == "host-b" && $0.cpu == "test-cpu" })
        let attempts = try store.attempts(of: job.id).filter { $0.unitKey == stale.unitKey }
        XCTAssertEqual(attempts.map(\.outcome), [.expired, .done])
        XCTAssertEqual(attempts.first?.worker, "a")
        XCTAssertTrue(attempts.first?.reason?.contains("worker a on host-a") ?? false, "\(attempts)")
        for lease in others { try store.complete(lease) }
    }

    func anUnexpiredLeaseIsNotGivenAwayAndHeartbeatsKeepIt() throws {
        let store = try makeStore()
        let (job, _) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1))
        let a = StoreFixtures.worker("a"), b = StoreFixtures.worker("b")
        let lease = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 1))
        guard case let .held(expiresAt) = try store.heartbeat(lease, leaseSeconds: 30) else { return XCTFail("lease lost at once") }
        XCTAssertGreaterThan(expiresAt, lease.expiresAt)
        usleep(1_200_000)  // past the first lease's end: only the heartbeat keeps it
        XCTAssertNil(try store.claim(worker: b, leaseSeconds: 30))
        XCTAssertEqual(try store.units(of: job.id).first?.leaseOwner, "a")
        XCTAssertEqual(try store.record([], under: lease), 0)
        try store.complete(lease)
    }

    func aHeartbeatAfterExpiryTellsTheWorkerToStop() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1))
        let a = StoreFixtures.worker("a")
        let lease = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 0.2))
        usleep(400_000)  // orders the heartbeat after the lease's end
        guard case let .lost(reason) = try store.heartbeat(lease, leaseSeconds: 30) else { return XCTFail("an expired lease was renewed") }
        XCTAssertTrue(reason.contains("expired"), reason)
        XCTAssertThrowsError(try store.record(StoreFixtures.rows(of: lease.unitKey, in: plan, worker: a), under: lease))
        XCTAssertThrowsError(try store.complete(lease))
        XCTAssertEqual(try store.rows(of: job.id), [])
        let again = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30), "the same worker may take the unit again, under a new token")
        XCTAssertEqual([again.unitKey, "\(again.fencingToken)", "\(again.attempt)"], [lease.unitKey, "2", "2"])
    }

    func releaseHandsTheUnitBackAtOnce() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1), maxAttempts: 1)
        let a = StoreFixtures.worker("a"), b = StoreFixtures.worker("b")
        let lease = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        try store.release(lease)
        let again = try XCTUnwrap(try store.claim(worker: b, leaseSeconds: 30), "a released unit is claimable at once")
        XCTAssertEqual(again.unitKey, lease.unitKey)
        XCTAssertEqual(again.attempt, 1, "a hand-back spends no attempt (max attempts 1 here)")
        XCTAssertGreaterThan(again.fencingToken, lease.fencingToken)
        XCTAssertThrowsError(try store.record(StoreFixtures.rows(of: "line/r0/weight/all/0", in: plan, worker: a), under: lease))
        try store.release(lease)  // a second hand-back of a lost lease changes nothing
        XCTAssertEqual(try store.units(of: job.id).first?.leaseOwner, "b")
        XCTAssertEqual(try store.attempts(of: job.id).map(\.outcome), [.released, nil])
    }

    // MARK: - Attempts and cancel

    func aUnitOutOfAttemptsFailsTheJobWithTheReasons() throws {
        let store = try makeStore()
        let (job, _) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1), maxAttempts: 3)
        let a = StoreFixtures.worker("a"), b = StoreFixtures.worker("b")
        let first = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 0.2))
        _ = first  // a dies: its lease runs out
        let second = try StoreFixtures.claimWhenFree(store, worker: b)
        XCTAssertEqual([second.unitKey, "\(second.attempt)"], ["train/r0", "2"])
        try store.fail(second, reason: "the sweep child was killed by signal 9")
        XCTAssertEqual(try store.job(job.id)?.state, .running)
        XCTAssertEqual(try store.units(of: job.id).first?.lastError, "the sweep child was killed by signal 9")
        let third = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        XCTAssertEqual(third.attempt, 3)
        XCTAssertThrowsError(try store.fail(second, reason: "late"), "a lost lease cannot fail the unit again")
        try store.fail(third, reason: "out of memory")

        let failed = try XCTUnwrap(try store.job(job.id))
        XCTAssertEqual(failed.state, .failed)
        XCTAssertNotNil(failed.finishedAt)
        let error = try XCTUnwrap(failed.error)
        for part in ["train/r0", "3", "attempt 1: worker a on host-a stopped renewing its lease",
                     "attempt 2: the sweep child was killed by signal 9", "attempt 3: out of memory"] {
            XCTAssertTrue(error.contains(part), "\(part) missing from: \(error)")
        }
        XCTAssertEqual(try store.units(of: job.id).first?.state, .failed)
        XCTAssertNil(try store.claim(worker: b, leaseSeconds: 30), "a failed job hands out nothing")
    }

    func cancelStopsClaimsHeartbeatsAndWrites() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store)
        let a = StoreFixtures.worker("a"), b = StoreFixtures.worker("b")
        let lease = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        try store.complete(lease)
        let line = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        XCTAssertTrue(try store.cancel(jobID: job.id))
        XCTAssertEqual(try store.job(job.id)?.state, .cancelled)
        XCTAssertEqual(try store.heartbeat(line, leaseSeconds: 30), .cancelled)
        XCTAssertThrowsError(try store.record(StoreFixtures.rows(of: line.unitKey, in: plan, worker: a), under: line)) { error in
            XCTAssertTrue("\(error)".contains("cancelled"), "\(error)")
        }
        XCTAssertThrowsError(try store.complete(line))
        XCTAssertNil(try store.claim(worker: b, leaseSeconds: 30))
        XCTAssertEqual(try store.rows(of: job.id), [])
        try store.release(line)
        XCTAssertFalse(try store.cancel(jobID: job.id), "a finished job is not cancelled again")
        XCTAssertThrowsError(try store.cancel(jobID: "no-such-job")) { error in
            XCTAssertEqual(error as? WorkStoreError, .unknownJob("no-such-job"))
        }
    }

    // MARK: - Jobs, rows, artifacts

    func jobsRowsAndArtifactsAreKeptAndCheckedForSense() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store)
        XCTAssertThrowsError(try store.enqueue(job, plan: plan, maxAttempts: 3)) { error in
            XCTAssertEqual(error as? WorkStoreError, .duplicateJob(job.id))
        }
        XCTAssertThrowsError(try store.enqueue(NewJob(spec: job.spec), plan: plan, maxAttempts: 0))
        XCTAssertThrowsError(try store.claim(worker: StoreFixtures.worker("a"), leaseSeconds: 0))
        let second = try enqueue(store).0
        XCTAssertEqual(try store.jobs().map(\.id), [job.id, second.id], "oldest first")
        XCTAssertEqual(try store.claim(worker: StoreFixtures.worker("a"), leaseSeconds: 30)?.jobID, job.id, "the oldest job's work first")

        try store.putArtifact(ArtifactRecord(jobID: job.id, name: "results.csv", bytes: 10, sha256: "aa"))
        try store.putArtifact(ArtifactRecord(jobID: job.id, name: "accuracy.svg", bytes: 5, sha256: "bb"))
        try store.putArtifact(ArtifactRecord(jobID: job.id, name: "results.csv", bytes: 12, sha256: "cc"))
        XCTAssertEqual(try store.artifacts(of: job.id), [
            ArtifactRecord(jobID: job.id, name: "accuracy.svg", bytes: 5, sha256: "bb"),
            ArtifactRecord(jobID: job.id, name: "results.csv", bytes: 12, sha256: "cc"),
        ])
        XCTAssertThrowsError(try store.putArtifact(ArtifactRecord(jobID: "nope", name: "x", bytes: 1, sha256: "dd")))
        XCTAssertNil(try store.job("nope"))
        XCTAssertEqual(try store.units(of: "nope"), [])
    }

    // MARK: - Earlier versions' records

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    func earlierJSONRecordsAreImportedOnce(stateDirectory: URL) throws {
        let jobs = stateDirectory.appendingPathComponent("jobs", isDirectory: true)
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        let v1 = try Data(contentsOf: Self.fixtures.appendingPathComponent("v1/job-record.json"))
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: v1) as? [String: Any])
        let finishedID = try XCTUnwrap(object["id"] as? String)
        try v1.write(to: jobs.appendingPathComponent("\(finishedID).json"))
        // The same job as it was mid-run, and one whose cancel came just before a stop.
        for (id, cancel) in [("11111111-0000-0000-0000-000000000001", false), ("11111111-0000-0000-0000-000000000002", true)] {
            object["id"] = id
            object["state"] = "running"
            object["cancel_requested"] = cancel
            object["finished_at"] = nil
            try JSONSerialization.data(withJSONObject: object).write(to: jobs.appendingPathComponent("\(id).json"))
        }
        try Data("{\"id\": 3".utf8).write(to: jobs.appendingPathComponent("broken.json"))

        let store = try makeStore()
        let report = try store.importEarlierRecords(stateDirectory: stateDirectory, maxAttempts: 2)
        XCTAssertTrue(report.ran)
        XCTAssertEqual(Set(report.imported), [finishedID, "11111111-0000-0000-0000-000000000001", "11111111-0000-0000-0000-000000000002"])
        XCTAssertEqual(report.unreadable.map { $0.file.lastPathComponent }, ["broken.json"])

        let finished = try XCTUnwrap(try store.job(finishedID))
        XCTAssertEqual(finished.state, .succeeded)
        XCTAssertEqual(try finished.spec().name, "fixture")
        XCTAssertEqual(finished.createdAt, try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse("2026-12-01T20:57:14.833Z").timeIntervalSince1970, accuracy: 0.001)
        XCTAssertEqual(try store.units(of: finishedID), [])

        let resumed = try XCTUnwrap(try store.job("11111111-0000-0000-0000-000000000001"))
        XCTAssertEqual(resumed.state, .queued, "a job stopped mid-run is queued again")
        XCTAssertEqual(try store.units(of: resumed.id).map(\.key), SweepPlan(spec: try resumed.spec()).units.map(\.key))
        XCTAssertEqual(try store.job("11111111-0000-0000-0000-000000000002")?.state, .cancelled)
        XCTAssertEqual(try store.claim(worker: StoreFixtures.worker("a"), leaseSeconds: 30)?.jobID, resumed.id)

        let again = try store.importEarlierRecords(stateDirectory: stateDirectory, maxAttempts: 2)
        XCTAssertEqual(again, EarlierRecordsImport(ran: false))
        let other = try reopen(store)
        XCTAssertEqual(try other.importEarlierRecords(stateDirectory: stateDirectory, maxAttempts: 2).ran, false)
        XCTAssertEqual(try other.jobs().count, 3)
    }
}

/// Keys and errors gathered from several threads.
final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var _keys: [String] = []
    private var _errors: [String] = []
    func add(_ keys: [String]) { lock.lock(); _keys += keys; lock.unlock() }
    func fail(_ error: String) { lock.lock(); _errors.append(error); lock.unlock() }
    var keys: [String] { lock.lock(); defer { lock.unlock() }; return _keys }
    var errors: [String] { lock.lock(); defer { lock.unlock() }; return _errors }
}
