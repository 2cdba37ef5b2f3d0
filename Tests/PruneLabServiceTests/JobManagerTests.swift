import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

/// The job queue with the real sweep runner on small synthetic sweeps, without HTTP.
final class JobManagerTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    func testRunsASweepAndListsItsArtifacts() throws {
        let jobs = try JobManager.forTests(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        let id = try jobs.submit(TestSpecs.tiny()).record.id
        jobs.waitForState(id, [.succeeded, .failed])
        let record = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(record.state, .succeeded, record.error ?? "")
        XCTAssertEqual(record.attempts, 1)
        XCTAssertEqual(record.progress?.fraction, 1)
        XCTAssertNotNil(record.startedAt)
        XCTAssertNotNil(record.finishedAt)
        for name in ["results.csv", "summary.csv", "accuracy.svg", "loss.svg", "latency.svg", "model.safetensors"] {
            XCTAssertTrue(jobs.existingArtifacts(of: id).contains(name), "\(name) missing")
        }
        let csv = try String(contentsOf: jobs.artifactsRoot.appendingPathComponent("\(id)/results.csv"), encoding: .utf8)
        XCTAssertEqual(try ResultsCSV.decode(csv).map(\.targetSparsity), [0, 50])
        // The final state is on disk, where the next start finds it.
        jobs.waitForPendingWrites()
        XCTAssertEqual(jobs.store.loadAll().records.first?.state, .succeeded)
    }

    func testJobsAreListedNewestFirstAndFilteredByState() throws {
        let jobs = try JobManager.forTests(in: folder.url)   // not started: everything stays queued
        let a = try jobs.submit(TestSpecs.tiny(name: "a")).record.id
        Thread.sleep(forTimeInterval: 0.01)
        let b = try jobs.submit(TestSpecs.tiny(name: "b")).record.id
        XCTAssertEqual(jobs.jobs().map(\.id), [b, a])
        guard case .cancelled = jobs.cancel(a) else { return XCTFail("a queued job cancels at once") }
        XCTAssertEqual(jobs.jobs(in: .queued).map(\.id), [b])
        XCTAssertEqual(jobs.jobs(in: .cancelled).map(\.id), [a])
        XCTAssertEqual(jobs.queueLength, 1)
        XCTAssertEqual(jobs.countsByState()[.queued], 1)
        XCTAssertEqual(jobs.countsByState()[.succeeded], 0)
    }

    func testIdempotencyKeyReturnsTheSameJobAndSurvivesRestart() throws {
        let first = try JobManager.forTests(in: folder.url)
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

        let second = try JobManager.forTests(in: folder.url)
        guard case .replayed(let afterRestart) = try second.submit(TestSpecs.tiny(), idempotencyKey: "key-1") else {
            return XCTFail("keys are remembered across restarts")
        }
        XCTAssertEqual(afterRestart.id, job.id)
        XCTAssertEqual(second.jobs().count, 2)
    }

    func testCancelledQueuedJobNeverStarts() throws {
        let jobs = try JobManager.forTests(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        let busy = try jobs.submit(TestSpecs.slow()).record.id
        let waiting = try jobs.submit(TestSpecs.tiny()).record.id
        jobs.waitForState(busy, [.running])
        guard case .cancelled(let record) = jobs.cancel(waiting) else { return XCTFail("expected immediate cancel") }
        XCTAssertEqual(record.state, .cancelled)
        guard case .alreadyFinished = jobs.cancel(waiting) else { return XCTFail("cancelling twice is refused") }
        _ = jobs.cancel(busy)
        jobs.waitForState(busy, [.cancelled])
        Thread.sleep(forTimeInterval: 0.2)   // the worker is free now: it must not pick up the cancelled job
        XCTAssertEqual(jobs.job(waiting)?.attempts, 0)
        XCTAssertEqual(jobs.job(waiting)?.state, .cancelled)
        XCTAssertEqual(jobs.queueLength, 0)
    }

    func testCancellingARunningJobStopsItDuringTraining() throws {
        let jobs = try JobManager.forTests(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        let id = try jobs.submit(TestSpecs.slow()).record.id
        waitUntil("training to be under way") { (jobs.job(id)?.progress?.step ?? 0) > 2 }
        guard case .stopping(let record) = jobs.cancel(id) else { return XCTFail("a running job is asked to stop") }
        XCTAssertTrue(record.cancelRequested)
        XCTAssertEqual(record.state, .running)
        jobs.waitForState(id, [.cancelled, .succeeded, .failed], timeout: 10)
        let final = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(final.state, .cancelled)
        XCTAssertNil(final.error)
        XCTAssertLessThan(final.progress?.epoch ?? 0, 50, "stopped long before the end of training")
        guard case .alreadyFinished = jobs.cancel(id) else { return XCTFail("a cancelled job cannot be cancelled again") }
    }

    func testAFailingSweepRecordsItsError() throws {
        let jobs = try JobManager.forTests(in: folder.url)
        jobs.start()
        defer { jobs.shutdown() }
        var spec = TestSpecs.tiny()
        spec.dataset = DatasetSpec(name: .idx, path: folder.url.appendingPathComponent("no-such-folder").path)
        let id = try jobs.submit(spec).record.id
        jobs.waitForState(id, [.failed, .succeeded])
        let record = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(record.state, .failed)
        XCTAssertTrue(record.error?.contains("no-such-folder") ?? false, record.error ?? "no error message")
    }

    func testEventsArriveInOrderAndEndWithTheFinalState() throws {
        let jobs = try JobManager.forTests(in: folder.url)
        let id = try jobs.submit(TestSpecs.tiny()).record.id
        let feed = try XCTUnwrap(jobs.subscribe(to: id))
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
        let late = try XCTUnwrap(jobs.subscribe(to: id))
        guard case .event(let only) = late.next(timeout: 1), case .closed = late.next(timeout: 1) else {
            return XCTFail("a finished job's feed is one state event")
        }
        XCTAssertEqual(only.job.state, .succeeded)
        XCTAssertNil(jobs.subscribe(to: "no-such-job"))
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
