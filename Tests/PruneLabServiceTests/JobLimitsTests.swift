import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

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

    func testAWorkerExecutableThatCannotStartIsLoggedNamingTheFileAndTheJobWaits() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let missing = folder.url.appendingPathComponent("no-such-prunelab")
        let jobs = try TestJobs(in: folder.url)
        let lines = LogLines()
        var configuration = jobs.pool.configuration
        configuration.launch = .processes(executable: missing, environment: [:])
        configuration.log = { lines.append($0) }
        let pool = WorkerPool(configuration: configuration, store: jobs.store)
        jobs.jobs.start()
        pool.start()
        defer {
            pool.shutdown(grace: 1)
            jobs.jobs.shutdown()
        }
        let id = try jobs.submit(TestSpecs.tiny()).record.id
        waitUntil(timeout: 10, "the failed start to be logged") { lines.all.contains { $0.contains(missing.path) } }
        XCTAssertEqual(jobs.job(id)?.state, .queued, "no work was claimed, so none is lost")
    }
}

/// Lines logged from several threads.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
