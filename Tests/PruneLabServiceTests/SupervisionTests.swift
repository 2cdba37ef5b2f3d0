import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

/// Sweeps in real child processes (`prunelab sweep-child`): crashes, retries, limits, cancel.
final class SupervisionTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    /// The smallest sweep: synthetic data, hidden [8], 1 epoch, 2 points.
    static func smallest(name: String = "small", repeats: Int = 1) -> SweepSpec {
        var spec = TestSpecs.tiny(name: name)
        spec.model.hidden = [8]
        spec.repeats = repeats
        return spec
    }

    func testAChildProcessRunsTheSweepOnItsShareOfTheCores() throws {
        let jobs = try JobManager.forTests(in: folder.url, executor: ChildProcessExecutor.forTests())
        jobs.start()
        defer { jobs.shutdown() }
        let id = try jobs.submit(Self.smallest()).record.id
        jobs.waitForState(id, [.succeeded, .failed])
        let record = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(record.state, .succeeded, record.error ?? "")
        XCTAssertEqual(record.progress?.fraction, 1)
        XCTAssertEqual(record.cores, CPUShare.allowedCPUs().count)
        XCTAssertEqual(record.attemptLog.map(\.outcome), [.succeeded])
        let csv = try String(contentsOf: jobs.artifactsRoot.appendingPathComponent("\(id)/results.csv"), encoding: .utf8)
        XCTAssertEqual(try ResultsCSV.decode(csv).count, 2)
    }

    func testAChildKilledThreeTimesFailsWithItsReasonsAndIsNotStartedAfterARestart() throws {
        let crashing = ChildProcessExecutor.forTests(environment: [SweepChild.crashHookVariable: "SIGKILL@training"])
        let first = try JobManager.forTests(in: folder.url, executor: crashing)
        first.start()
        let id = try first.submit(Self.smallest()).record.id
        first.waitForState(id, [.succeeded, .failed])
        first.shutdown()
        let record = try XCTUnwrap(first.job(id))
        XCTAssertEqual(record.state, .failed)
        XCTAssertEqual(record.attempts, 3)
        XCTAssertEqual(record.attemptLog.map(\.outcome), [.crashed, .crashed, .crashed])
        for attempt in record.attemptLog {
            XCTAssertTrue(attempt.reason?.contains("SIGKILL") ?? false, attempt.reason ?? "no reason")
            XCTAssertNotNil(attempt.ended)
        }
        XCTAssertTrue(record.error?.contains("3 failed attempts") ?? false, record.error ?? "")
        XCTAssertTrue(record.error?.contains("signal 9 (SIGKILL)") ?? false, record.error ?? "")

        // Restarted (without the crash hook): the job is not started again.
        let second = try JobManager.forTests(in: folder.url, executor: ChildProcessExecutor.forTests())
        second.start()
        defer { second.shutdown() }
        let other = try second.submit(Self.smallest(name: "after")).record.id
        second.waitForState(other, [.succeeded, .failed])
        let again = try XCTUnwrap(second.job(id))
        XCTAssertEqual(again.state, .failed)
        XCTAssertEqual(again.attempts, 3)
    }

    func testASegfaultIsRetriedAndTheLastStderrLinesAreKept() throws {
        let crashing = ChildProcessExecutor.forTests(environment: [SweepChild.crashHookVariable: "SIGSEGV@evaluating"])
        var limits = JobLimits()
        limits.maxAttempts = 2
        let jobs = try JobManager.forTests(in: folder.url, executor: crashing, limits: limits)
        jobs.start()
        defer { jobs.shutdown() }
        let id = try jobs.submit(Self.smallest()).record.id
        jobs.waitForState(id, [.succeeded, .failed])
        let record = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(record.state, .failed)
        XCTAssertEqual(record.attempts, 2)
        XCTAssertTrue(record.error?.contains("SIGSEGV") ?? false, record.error ?? "")
        // The second attempt resumed: the checkpoint of the first was loaded, not trained again.
        XCTAssertTrue(FileManager.default.fileExists(atPath: jobs.artifactsRoot.appendingPathComponent("\(id)/model.safetensors").path))
    }

    func testAJobOverItsMemoryLimitFailsAndTheServerDoesNotGrow() throws {
        var limits = JobLimits()
        limits.maxAttempts = 1
        limits.maxJobMemoryBytes = 300 << 20
        let jobs = try JobManager.forTests(in: folder.url, executor: ChildProcessExecutor.forTests(), limits: limits)
        jobs.start()
        defer { jobs.shutdown() }
        var spec = Self.smallest(name: "huge")
        spec.dataset.trainSize = 1_000_000
        spec.dataset.features = 1024     // 1 GB of training bytes: over the 300 MB limit
        let before = Self.residentBytes()
        let id = try jobs.submit(spec).record.id
        jobs.waitForState(id, [.succeeded, .failed])
        let record = try XCTUnwrap(jobs.job(id))
        XCTAssertEqual(record.state, .failed)
        XCTAssertTrue(record.error?.contains("allocate") ?? false, record.error ?? "")
        XCTAssertLessThan(Self.residentBytes() - before, 100 << 20, "the job's memory was its own process's")
    }

    func testCancelStopsTheChildAndShowsCancelledAtOnce() throws {
        let jobs = try JobManager.forTests(in: folder.url, executor: ChildProcessExecutor.forTests())
        jobs.start()
        defer { jobs.shutdown() }
        let id = try jobs.submit(TestSpecs.slow()).record.id
        waitUntil("training to be under way") { (jobs.job(id)?.progress?.step ?? 0) > 2 }
        guard case .stopping = jobs.cancel(id) else { return XCTFail("a running job is asked to stop") }
        jobs.waitForState(id, [.cancelled, .succeeded, .failed], timeout: 5)
        XCTAssertEqual(jobs.job(id)?.state, .cancelled)
        XCTAssertEqual(jobs.job(id)?.attemptLog.last?.outcome, .cancelled)
    }

    func testShutdownStopsTheChildAndTheJobResumes() throws {
        let first = try JobManager.forTests(in: folder.url, executor: ChildProcessExecutor.forTests())
        first.start()
        let id = try first.submit(TestSpecs.slow(epochs: 3)).record.id
        waitUntil("training to be under way") { (first.job(id)?.progress?.step ?? 0) > 2 }
        first.shutdown()
        let stored = first.store.loadAll().records.first { $0.id == id }
        XCTAssertEqual(stored?.state, .running)
        XCTAssertEqual(stored?.attemptLog.last?.outcome, .interrupted)

        let second = try JobManager.forTests(in: folder.url, executor: ChildProcessExecutor.forTests())
        second.start()
        defer { second.shutdown() }
        second.waitForState(id, [.succeeded, .failed], timeout: 120)
        XCTAssertEqual(second.job(id)?.state, .succeeded, second.job(id)?.error ?? "")
        XCTAssertEqual(second.job(id)?.attempts, 2)
    }

    func testEveryCPUShareHasAtLeastOneCore() {
        XCTAssertEqual(CPUShare.share(worker: 0, of: 1, cpus: [0, 1, 2, 3]), [0, 1, 2, 3])
        XCTAssertEqual(CPUShare.share(worker: 0, of: 2, cpus: [0, 1, 2, 3]), [0, 1])
        XCTAssertEqual(CPUShare.share(worker: 1, of: 2, cpus: [0, 1, 2, 3]), [2, 3])
        XCTAssertEqual(CPUShare.share(worker: 2, of: 3, cpus: [0, 1]), [0])
        XCTAssertEqual(CPUShare.share(worker: 1, of: 3, cpus: [0, 1]), [1])
    }

    func testTheChildMessagesRoundTrip() {
        var progress = SweepProgress(phase: .training, fraction: 0.5)
        progress.epoch = 2
        for message in [SweepChildMessage.progress(progress), .error("cannot write /x: No space left on device (ENOSPC)")] {
            let line = String(decoding: message.line(), as: UTF8.self)
            XCTAssertTrue(line.hasSuffix("\n"))
            XCTAssertEqual(SweepChildMessage.parse(String(line.dropLast())), message)
        }
        XCTAssertNil(SweepChildMessage.parse("{}"))
    }

    /// VmRSS of this process.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
