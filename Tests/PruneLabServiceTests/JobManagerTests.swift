import Foundation
import JobStoreKit
import PruneKit
import XCTest
@testable import PruneLabService

/// Jobs in the store and workers on threads, with the real sweep runner on small synthetic sweeps, without HTTP.
final class JobManagerTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    func testRunsASweepAndListsItsArtifacts() throws {
        let jobs = try TestJobs(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        let id = try jobs.submit(TestSpecs.tiny()).record.id
        jobs.waitForState(id, [.succeeded, .failed])
        let record = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(record.state, .succeeded, record.error ?? "")
        // One attempt per unit: the training, a line per sparsity, the reports.
        XCTAssertEqual(record.attempts, 4)
        XCTAssertEqual(record.attemptLog.map(\.outcome), Array(repeating: .succeeded, count: 4))
        XCTAssertEqual([record.units.total, record.units.done, record.units.running, record.units.failed], [4, 4, 0, 0])
        XCTAssertEqual(record.progress?.fraction, 1)
        XCTAssertNotNil(record.startedAt)
        XCTAssertNotNil(record.finishedAt)
        for name in ["results.csv", "summary.csv", "accuracy.svg", "loss.svg", "latency.svg", "model.safetensors"] {
            XCTAssertTrue(jobs.jobs.existingArtifacts(of: id).contains(name), "\(name) missing")
        }
        let csv = try String(contentsOf: jobs.artifactsRoot.appendingPathComponent("\(id)/results.csv"), encoding: .utf8)
        XCTAssertEqual(try ResultsCSV.decode(csv).map(\.targetSparsity), [0, 50])
        // The final state is in the store, where every front end finds it; each row once, with where it was measured.
        XCTAssertEqual(try jobs.store.job(id)?.state, .succeeded)
        let rows = try jobs.rows(of: id)
        XCTAssertEqual(rows.map(\.pointKey), ["r0/weight/all/0/pruned", "r0/weight/all/50/pruned"])
        XCTAssertTrue(rows.allSatisfy { $0.host == MachineIdentity.current.host && $0.cpu == MachineIdentity.current.cpu })
    }

    func testResultsCSVGrowsAsTheLinesRecordTheirRows() throws {
        let jobs = try TestJobs(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        let spec = TestSpecs.slow(epochs: 1, sparsities: [0, 20, 40, 60, 80, 90], finetuneEpochs: 1)
        let id = try jobs.submit(spec).record.id
        let results = jobs.artifactsRoot.appendingPathComponent("\(id)/results.csv")
        var counts: Set<Int> = []
        while jobs.job(id).map({ !$0.state.isFinished }) ?? false {
            if let text = try? String(contentsOf: results, encoding: .utf8), let rows = try? ResultsCSV.decode(text) {
                counts.insert(rows.count)
                XCTAssertEqual(rows.map(\.targetSparsity), spec.pruning.sparsities.filter { s in rows.contains { $0.targetSparsity == s } },
                               "in plan order")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertEqual(jobs.job(id)?.state, .succeeded)
        XCTAssertTrue(counts.contains { 0 < $0 && $0 < 6 }, "seen part-way: \(counts.sorted())")
        XCTAssertEqual(try ResultsCSV.decode(String(contentsOf: results, encoding: .utf8)).count, 6)
    }

    func testJobsAreListedNewestFirstAndFilteredByState() throws {
        let jobs = try TestJobs(in: folder.url)   // not started: everything stays queued
        let a = try jobs.submit(TestSpecs.tiny(name: "a")).record.id
        Thread.sleep(forTimeInterval: 0.01)
        let b = try jobs.submit(TestSpecs.tiny(name: "b")).record.id
        XCTAssertEqual(jobs.jobs.jobs().map(\.id), [b, a])
        guard case .cancelled = try jobs.cancel(a) else { return XCTFail("a queued job cancels at once") }
        XCTAssertEqual(jobs.jobs.jobs(in: .queued).map(\.id), [b])
        XCTAssertEqual(jobs.jobs.jobs(in: .cancelled).map(\.id), [a])
        XCTAssertEqual(jobs.jobs.queueLength, 1)
        XCTAssertEqual(jobs.jobs.countsByState()[.queued], 1)
        XCTAssertEqual(jobs.jobs.countsByState()[.succeeded], 0)
    }

    func testIdempotencyKeyReturnsTheSameJobAndSurvivesRestart() throws {
        let first = try TestJobs(in: folder.url)
        let created = try first.submit(TestSpecs.tiny(), idempotencyKey: "key-1")
        guard case .created(let job) = created else { return XCTFail("expected a new job") }
        guard case .replayed(let again) = try first.submit(TestSpecs.tiny(), idempotencyKey: "key-1") else {
            return XCTFail("same key and spec must replay")
        }
        XCTAssertEqual(again.id, job.id)
        guard case .keyReused(let other) = try first.submit(TestSpecs.tiny(seed: 7), idempotencyKey: "key-1") else {
            return XCTFail("same key, different spec must be refused")
        }
        XCTAssertEqual(other.id, job.id)
        guard case .created = try first.submit(TestSpecs.tiny(), idempotencyKey: "key-2") else {
            return XCTFail("another key is another job")
        }
        first.shutdown()

        let second = try TestJobs(in: folder.url)
        guard case .replayed(let afterRestart) = try second.submit(TestSpecs.tiny(), idempotencyKey: "key-1") else {
            return XCTFail("keys are remembered across restarts")
        }
        XCTAssertEqual(afterRestart.id, job.id)
        XCTAssertEqual(second.jobs.jobs().count, 2)
    }

    func testCancelledQueuedJobNeverStarts() throws {
        let jobs = try TestJobs(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        let busy = try jobs.submit(TestSpecs.slow()).record.id
        let waiting = try jobs.submit(TestSpecs.tiny()).record.id
        jobs.waitForState(busy, [.running])
        guard case .cancelled(let record) = try jobs.cancel(waiting) else { return XCTFail("expected immediate cancel") }
        XCTAssertEqual(record.state, .cancelled)
        guard case .alreadyFinished = try jobs.cancel(waiting) else { return XCTFail("cancelling twice is refused") }
        _ = try jobs.cancel(busy)
        jobs.waitForState(busy, [.cancelled])
        Thread.sleep(forTimeInterval: 0.2)   // the worker is free now: it must not pick up the cancelled job
        XCTAssertEqual(jobs.job(waiting)?.attempts, 0)
        XCTAssertEqual(jobs.job(waiting)?.state, .cancelled)
        XCTAssertEqual(jobs.jobs.queueLength, 0)
    }

    func testCancellingARunningJobStopsItDuringTraining() throws {
        let jobs = try TestJobs(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        let id = try jobs.submit(TestSpecs.slow()).record.id
        waitUntil("training to be under way") { (jobs.job(id)?.progress?.step ?? 0) > 2 }
        guard case .stopping(let record) = try jobs.cancel(id) else { return XCTFail("a running job is asked to stop") }
        // Cancelled in the store at once; its worker lets go of the unit at its next heartbeat.
        XCTAssertEqual(record.state, .cancelled)
        XCTAssertTrue(record.cancelRequested)
        waitUntil(timeout: 10, "the worker to let go") { jobs.job(id)?.cancelRequested == false }
        let final = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(final.state, .cancelled)
        XCTAssertNil(final.error)
        XCTAssertLessThan(final.progress?.epoch ?? 0, 50, "stopped long before the end of training")
        guard case .alreadyFinished = try jobs.cancel(id) else { return XCTFail("a cancelled job cannot be cancelled again") }
    }

    func testAFailingSweepRecordsItsError() throws {
        let jobs = try TestJobs(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        var spec = TestSpecs.tiny()
        spec.dataset = DatasetSpec(name: .idx, path: folder.url.appendingPathComponent("no-such-folder").path)
        let id = try jobs.submit(spec).record.id
        jobs.waitForState(id, [.failed, .succeeded])
        let record = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(record.state, .failed)
        XCTAssertTrue(record.error?.contains("no-such-folder") ?? false, record.error ?? "no error message")
        // The training unit failed each of its attempts (3 by default), then the job with their reasons.
        XCTAssertEqual(record.attemptLog.map(\.outcome), [.failed, .failed, .failed])
    }

    func testEventsArriveInOrderAndEndWithTheFinalState() throws {
        let jobs = try TestJobs(in: folder.url)
        // Long enough for the front end to see it running (it follows the store every 50 ms here).
        let id = try jobs.submit(TestSpecs.slow(epochs: 3)).record.id
        let feed = try XCTUnwrap(jobs.jobs.subscribe(to: id))
        jobs.start()
        defer { jobs.shutdown() }
        var events: [JobEvent] = []
        drain: while true {
            switch feed.next(timeout: 60) {
            case .event(let event): events.append(event)
            case .closed: break drain
            case .timedOut: return XCTFail("no event for 60 s")
            }
        }
        XCTAssertEqual(events.first?.kind, .state)
        XCTAssertEqual(events.first?.job.state, .queued)
        XCTAssertEqual(events.last?.kind, .state)
        XCTAssertEqual(events.last?.job.state, .succeeded)
        XCTAssertTrue(events.contains { $0.kind == .state && $0.job.state == .running })
        XCTAssertTrue(events.contains { $0.kind == .progress })
        let sequences = events.map(\.sequence)
        XCTAssertEqual(sequences, sequences.sorted())
        XCTAssertEqual(Set(sequences).count, sequences.count, "no event twice")
        let fractions = events.compactMap { $0.job.progress?.fraction }
        XCTAssertEqual(fractions, fractions.sorted(), "progress never goes back")
        // Subscribing to a finished job gives its final state and ends.
        let late = try XCTUnwrap(jobs.jobs.subscribe(to: id))
        guard case .event(let only) = late.next(timeout: 1), case .closed = late.next(timeout: 1) else {
            return XCTFail("a finished job's feed is one state event")
        }
        XCTAssertEqual(only.job.state, .succeeded)
        XCTAssertNil(jobs.jobs.subscribe(to: "no-such-job"))
    }

    func testFeedMergesProgressButKeepsEveryStateEvent() {
        let feed = JobEventFeed()
        let record = JobRecord(spec: TestSpecs.tiny())
        for (i, kind) in [JobEvent.Kind.state, .progress, .progress, .progress, .state, .progress].enumerated() {
            feed.push(JobEvent(kind: kind, sequence: i + 1, job: record))
        }
        feed.close()
        var received: [Int] = []
        while case .event(let event) = feed.next(timeout: 1) { received.append(event.sequence) }
        XCTAssertEqual(received, [1, 4, 5, 6])
        guard case .closed = feed.next(timeout: 0.1) else { return XCTFail("closed feed") }
    }
}
