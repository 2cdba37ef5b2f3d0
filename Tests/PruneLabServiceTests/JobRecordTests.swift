import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

final class JobRecordTests: XCTestCase {
    func testNewRecordIsQueuedWithLowercaseUUID() {
        let record = JobRecord(spec: .reference)
        XCTAssertEqual(record.state, .queued)
        XCTAssertEqual(record.id, record.id.lowercased())
        XCTAssertNotNil(UUID(uuidString: record.id))
        XCTAssertEqual(record.attempts, 0)
        XCTAssertNil(record.startedAt)
    }

    func testStartAndFinish() {
        var record = JobRecord(spec: .reference)
        let t0 = Date(timeIntervalSince1970: 1000)
        record.start(at: t0)
        XCTAssertEqual(record.state, .running)
        XCTAssertEqual(record.startedAt, t0)
        XCTAssertEqual(record.attempts, 1)
        record.progress = SweepProgress(phase: .evaluating, fraction: 0.9)
        record.finish(.succeeded, at: t0.addingTimeInterval(5))
        XCTAssertEqual(record.state, .succeeded)
        XCTAssertEqual(record.finishedAt, t0.addingTimeInterval(5))
        XCTAssertEqual(record.progress?.fraction, 1, "a succeeded job shows complete progress")
    }

    func testFailureKeepsMessage() {
        var record = JobRecord(spec: .reference)
        record.start()
        record.finish(.failed, error: "no such file")
        XCTAssertEqual(record.state, .failed)
        XCTAssertEqual(record.error, "no such file")
    }

    func testResumeKeepsFirstStartAndCountsAttempts() {
        var record = JobRecord(spec: .reference)
        let first = Date(timeIntervalSince1970: 1000)
        record.start(at: first)
        record.recoverAfterRestart(maxAttempts: 3)
        XCTAssertEqual(record.state, .queued)
        record.start(at: first.addingTimeInterval(60))
        XCTAssertEqual(record.startedAt, first)
        XCTAssertEqual(record.attempts, 2)
    }

    func testRestartCancelsARunningJobWhoseCancellationWasRequested() {
        var record = JobRecord(spec: .reference)
        record.start()
        record.cancelRequested = true
        record.recoverAfterRestart(maxAttempts: 3)
        XCTAssertEqual(record.state, .cancelled)
        XCTAssertNotNil(record.finishedAt)
    }

    func testRestartLeavesQueuedAndFinishedJobsAlone() {
        var queued = JobRecord(spec: .reference)
        queued.recoverAfterRestart(maxAttempts: 3)
        XCTAssertEqual(queued.state, .queued)
        var done = JobRecord(spec: .reference)
        done.start()
        done.finish(.failed, error: "x")
        let before = done
        done.recoverAfterRestart(maxAttempts: 3)
        XCTAssertEqual(done, before)
    }

    func testFinishedStates() {
        XCTAssertEqual(JobState.allCases.filter(\.isFinished), [.succeeded, .failed, .cancelled])
    }

    func testCodableRoundTripUsesSnakeCase() throws {
        var record = JobRecord(spec: TestSpecs.tiny(), idempotencyKey: "k-1")
        record.start()
        var progress = SweepProgress(phase: .training, fraction: 0.25)
        progress.epoch = 1
        record.progress = progress
        let data = try JobStore.encoder.encode(record)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"idempotency_key\""))
        XCTAssertTrue(text.contains("\"created_at\""))
        let decoded = try JobStore.decoder.decode(JobRecord.self, from: data)
        XCTAssertEqual(decoded.id, record.id)
        XCTAssertEqual(decoded.spec, record.spec)
        XCTAssertEqual(decoded.progress, record.progress)
        XCTAssertEqual(decoded.state, .running)
        XCTAssertEqual(decoded.idempotencyKey, "k-1")
    }
}
