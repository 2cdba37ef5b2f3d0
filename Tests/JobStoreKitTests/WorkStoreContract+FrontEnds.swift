import Foundation
import XCTest
import JobStoreKit
import PruneKit

/// The contract's part for front ends and supervisors: idempotency keys, progress, the change
/// feed, deletes, a dead worker's leases, and waiting for work.
extension WorkStoreContract {
    // MARK: - Idempotency keys, metadata, unit costs

    func idempotencyKeysAreUniqueAndFindTheirJob() throws {
        let store = try makeStore()
        let spec = try StoreFixtures.smallSpec(repeats: 1)
        let plan = SweepPlan(spec: spec)
        let job = NewJob(spec: spec, idempotencyKey: "key-1", metadataJSON: #"{"estimate_seconds":12}"#,
                         unitCosts: ["train/r0": 5, "line/r0/weight/all/50": 0.5])
        try store.enqueue(job, plan: plan, maxAttempts: 2)
        let found = try XCTUnwrap(try store.job(idempotencyKey: "key-1"))
        XCTAssertEqual([found.id, found.idempotencyKey, found.metadataJSON], [job.id, "key-1", #"{"estimate_seconds":12}"#])
        XCTAssertNil(try store.job(idempotencyKey: "key-2"))
        XCTAssertNil(try store.job(idempotencyKey: "KEY-1"), "keys are compared exactly")

        let costs = Dictionary(uniqueKeysWithValues: try store.units(of: job.id).map { ($0.key, $0.cost) })
        XCTAssertEqual(costs["train/r0"], 5)
        XCTAssertEqual(costs["line/r0/weight/all/50"], 0.5)
        XCTAssertEqual(costs["line/r0/unit/all/0"], 1, "a unit not named costs 1")

        XCTAssertThrowsError(try store.enqueue(NewJob(spec: spec, idempotencyKey: "key-1"), plan: plan, maxAttempts: 2)) { error in
            XCTAssertEqual(error as? WorkStoreError, .duplicateIdempotencyKey("key-1"))
            XCTAssertTrue("\(error)".contains("key-1"), "\(error)")
        }
        // Jobs without a key never collide.
        try store.enqueue(NewJob(spec: spec), plan: plan, maxAttempts: 2)
        try store.enqueue(NewJob(spec: spec), plan: plan, maxAttempts: 2)
        XCTAssertEqual(try store.jobs().count, 3, "the refused job added nothing")
        XCTAssertEqual(try store.jobs().filter { $0.idempotencyKey == nil }.map(\.metadataJSON), [nil, nil])

        for costs in [["no/such/unit": 1.0], ["train/r0": -1], ["train/r0": .infinity]] {
            XCTAssertThrowsError(try store.enqueue(NewJob(spec: spec, unitCosts: costs), plan: plan, maxAttempts: 2)) { error in
                guard case let WorkStoreError.invalidArgument(text) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(text.contains(costs.keys.first ?? "?"), text)
            }
        }
        XCTAssertEqual(try store.jobs().count, 3)
        XCTAssertEqual(try reopen(store).job(idempotencyKey: "key-1")?.id, job.id, "another connection finds it too")
    }

    // MARK: - The change feed

    func changesReportEachChangedJobOnceWithProgressAndDeletes() throws {
        let store = try makeStore()
        let empty = try store.changes(after: 0)
        XCTAssertEqual(empty.jobs, [])
        XCTAssertEqual(empty.deletedJobIDs, [])

        let (first, plan) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1))
        let (second, _) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1))
        let added = try store.changes(after: empty.sequence)
        XCTAssertEqual(added.jobs.map(\.id), [first.id, second.id], "each job once, oldest first")
        XCTAssertGreaterThan(added.sequence, empty.sequence)
        XCTAssertTrue(added.jobs.allSatisfy { $0.changeSequence > empty.sequence && $0.changeSequence <= added.sequence })

        // Three changes to the first job (claim, heartbeat with progress, rows) report it once, as it is now.
        let a = StoreFixtures.worker("a")
        let training = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        try store.complete(training)
        let lease = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        let progress = #"{"phase":"pruning","done":1,"total":2}"#
        guard case .held = try store.heartbeat(lease, leaseSeconds: 30, progressJSON: progress) else { return XCTFail("lease lost") }
        let progressed = try store.changes(after: added.sequence)
        XCTAssertEqual(progressed.jobs.map(\.id), [first.id])
        XCTAssertEqual(progressed.jobs.first?.state, .running)
        XCTAssertEqual(progressed.jobs.first?.changeSequence, progressed.sequence)
        XCTAssertEqual(try store.units(of: first.id).first { $0.key == lease.unitKey }?.progressJSON, progress)
        let unchanged = try store.changes(after: progressed.sequence)
        XCTAssertEqual([unchanged.jobs.count, unchanged.deletedJobIDs.count, unchanged.sequence], [0, 0, progressed.sequence])
        // A bare renewal keeps the progress.
        _ = try store.heartbeat(lease, leaseSeconds: 30)
        XCTAssertEqual(try store.units(of: first.id).first { $0.key == lease.unitKey }?.progressJSON, progress)

        // Every other kind of change is reported too, each time as the one changed job.
        var last = try store.changes(after: 0).sequence
        let changes: [(String, () throws -> Void)] = [
            ("rows", { try store.record(StoreFixtures.rows(of: lease.unitKey, in: plan, worker: a), under: lease) }),
            ("complete", { try store.complete(lease) }),
            ("artifact", { try store.putArtifact(ArtifactRecord(jobID: first.id, name: "results.csv", bytes: 3, sha256: "ab")) }),
            ("claim", { _ = try store.claim(worker: a, leaseSeconds: 30) }),
            ("cancel", { try store.cancel(jobID: first.id) }),
        ]
        for (name, change) in changes {
            try change()
            let seen = try store.changes(after: last)
            XCTAssertEqual(seen.jobs.map(\.id), [first.id], "after \(name)")
            XCTAssertGreaterThan(seen.sequence, last, "after \(name)")
            last = seen.sequence
        }

        XCTAssertTrue(try store.delete(jobID: second.id))
        XCTAssertFalse(try store.delete(jobID: second.id), "a job is deleted once")
        let deleted = try store.changes(after: last)
        XCTAssertEqual([deleted.jobs.map(\.id), deleted.deletedJobIDs], [[], [second.id]])
        XCTAssertGreaterThan(deleted.sequence, last)
        let everything = try reopen(store).changes(after: 0)
        XCTAssertEqual([everything.jobs.map(\.id), everything.deletedJobIDs], [[first.id], [second.id]])
        XCTAssertEqual(everything.jobs.first?.state, .cancelled)
        XCTAssertEqual(everything.sequence, deleted.sequence, "another connection sees the same sequence")
    }

    /// A lease that ran out is noticed by the next claim; a front end sees it even when that claim hands nothing out.
    func aLeaseExpiredInAClaimIsAChange() throws {
        let store = try makeStore()
        let (job, _) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1), maxAttempts: 1)
        let lease = try XCTUnwrap(try store.claim(worker: StoreFixtures.worker("a"), leaseSeconds: 0.2))
        let before = try store.changes(after: 0).sequence
        usleep(400_000)  // orders the next claim after the lease's end
        XCTAssertNil(try store.claim(worker: StoreFixtures.worker("b"), leaseSeconds: 30), "out of attempts: the job failed")
        let seen = try store.changes(after: before)
        XCTAssertEqual(seen.jobs.map(\.id), [job.id])
        XCTAssertEqual(seen.jobs.first?.state, .failed)
        XCTAssertEqual(try store.attempts(of: job.id).map(\.outcome), [.expired])
        XCTAssertEqual(try store.heartbeat(lease, leaseSeconds: 30), .lost("the unit is failed"))
    }

    // MARK: - Delete

    func deleteRemovesEverythingAndAHeldLeaseIsLost() throws {
        let store = try makeStore()
        let (job, plan) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1))
        let (kept, _) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1))
        let a = StoreFixtures.worker("a")
        let training = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        try store.complete(training)
        let lease = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 30))
        XCTAssertEqual(lease.jobID, job.id)
        try store.record(StoreFixtures.rows(of: lease.unitKey, in: plan, worker: a), under: lease)
        try store.putArtifact(ArtifactRecord(jobID: job.id, name: "spec.json", bytes: 2, sha256: "cd"))

        XCTAssertTrue(try store.delete(jobID: job.id))
        guard case let .lost(reason) = try store.heartbeat(lease, leaseSeconds: 30) else { return XCTFail("a deleted job's lease is held") }
        XCTAssertTrue(reason.contains("deleted"), reason)
        XCTAssertThrowsError(try store.record(StoreFixtures.rows(of: lease.unitKey, in: plan, worker: a), under: lease)) { error in
            guard case WorkStoreError.leaseLost = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try store.complete(lease))
        XCTAssertThrowsError(try store.fail(lease, reason: "late"))
        try store.release(lease)  // nothing to hand back
        XCTAssertNil(try store.job(job.id))
        XCTAssertEqual(try store.units(of: job.id), [])
        XCTAssertEqual(try store.attempts(of: job.id), [])
        XCTAssertEqual(try store.rows(of: job.id), [])
        XCTAssertEqual(try store.artifacts(of: job.id), [])
        XCTAssertEqual(try store.jobs().map(\.id), [kept.id], "the other job stays")
        XCTAssertEqual(try store.claim(worker: a, leaseSeconds: 30)?.jobID, kept.id)
        XCTAssertFalse(try store.delete(jobID: "no-such-job"))
    }

    // MARK: - A dead worker's leases

    func expiringADeadWorkersLeasesFreesItsUnitsAtOnce() throws {
        let store = try makeStore()
        let (job, _) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 2), maxAttempts: 2)
        let (once, _) = try enqueue(store, spec: StoreFixtures.smallSpec(repeats: 1), maxAttempts: 1)
        let dead = StoreFixtures.worker("dead", host: "host-d"), b = StoreFixtures.worker("b", host: "host-b")
        let held = try (0..<3).map { _ in try XCTUnwrap(try store.claim(worker: dead, leaseSeconds: 30)) }
        XCTAssertEqual(held.map(\.unitKey), ["train/r0", "train/r1", "train/r0"])
        XCTAssertEqual(held.map(\.jobID), [job.id, job.id, once.id])
        let other = try reopen(store)
        XCTAssertNil(try other.claim(worker: b, leaseSeconds: 30), "every claimable unit is held")
        let before = try store.changes(after: 0).sequence

        let reason = "worker dead's process exited (signal 9)"
        XCTAssertEqual(try other.expireLeases(of: dead.id, reason: reason), 3)
        XCTAssertEqual(try other.expireLeases(of: dead.id, reason: reason), 0, "nothing left to expire")
        XCTAssertEqual(try other.expireLeases(of: "never-seen", reason: reason), 0)
        XCTAssertEqual(Set(try store.changes(after: before).jobs.map(\.id)), [job.id, once.id])

        let again = try XCTUnwrap(try store.claim(worker: b, leaseSeconds: 30), "claimable at once, not a lease later")
        XCTAssertEqual([again.jobID, again.unitKey, "\(again.attempt)", "\(again.fencingToken)"], [job.id, "train/r0", "2", "2"])
        let attempts = try store.attempts(of: job.id).filter { $0.unitKey == "train/r0" }
        XCTAssertEqual(attempts.map(\.outcome), [.expired, nil])
        XCTAssertEqual(attempts.first?.reason, reason)
        XCTAssertEqual(attempts.first?.worker, dead.id)
        XCTAssertNotNil(attempts.first?.endedAt)
        let units = Dictionary(uniqueKeysWithValues: try store.units(of: job.id).map { ($0.key, $0) })
        XCTAssertEqual(units["train/r1"]?.state, .pending)
        XCTAssertEqual(units["train/r1"]?.attempts, 1, "the expired attempt counts")
        XCTAssertEqual(units["train/r1"]?.lastError, reason)
        XCTAssertEqual(try store.heartbeat(held[1], leaseSeconds: 30), .lost("the unit is pending"))
        XCTAssertThrowsError(try store.complete(held[0]))

        // With one attempt allowed, the expiry fails the job, naming the reason.
        let failed = try XCTUnwrap(try store.job(once.id))
        XCTAssertEqual(failed.state, .failed)
        XCTAssertTrue(failed.error?.contains("attempt 1: \(reason)") ?? false, "\(failed.error ?? "no error")")
    }

    // MARK: - Waiting for work

    func waitForWorkWakesOnAnEnqueueElsewhereAndOtherwiseTimesOut() throws {
        let store = try makeStore()
        let other = try reopen(store)
        let spec = try StoreFixtures.smallSpec(repeats: 1)

        let quiet = Date()
        try store.waitForWork(timeout: 0.5)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(quiet), 0.5, "with nothing new, it waits the whole timeout")

        let job = NewJob(spec: spec)
        let results = LockedResults()
        let enqueued = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            do { try other.enqueue(job, plan: SweepPlan(spec: spec), maxAttempts: 1) } catch { results.fail("\(error)") }
            enqueued.signal()
        }
        let timeout = 60.0
        let start = Date()
        try store.waitForWork(timeout: timeout)
        XCTAssertLessThan(Date().timeIntervalSince(start), timeout / 2, "woken by the enqueue, not by the timeout")
        enqueued.wait()
        XCTAssertEqual(results.errors, [])
        XCTAssertEqual(try store.claim(worker: StoreFixtures.worker("a"), leaseSeconds: 30)?.jobID, job.id)
        XCTAssertThrowsError(try store.waitForWork(timeout: -1))
    }
}
