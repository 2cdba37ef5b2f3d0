import Foundation
import JobStoreKit
import PruneKit
import XCTest
@testable import PruneLabService
#if canImport(Glibc)
import Glibc
#endif

/// Real `prunelab worker` processes on one SQLite store, with short leases (4 s) and heartbeats
/// (0.25 s): workers killed, stopped past their lease, cancelled and shut down mid-sweep. Every
/// test checks that each point's row is recorded exactly once.
final class WorkerChaosTests: ServiceTestCase {
    /// The smallest sweep: synthetic data, hidden [8], 1 epoch, 2 points.
    static func smallest(name: String = "small", repeats: Int = 1) -> SweepSpec {
        var spec = TestSpecs.tiny(name: name)
        spec.model.hidden = [8]
        spec.repeats = repeats
        return spec
    }

    /// 24 one-shot points (weight and unit pruning at 12 sparsities), each fine-tuned for an
    /// epoch, so that units are still running when a test interferes.
    static let twentyFourPoints: SweepSpec = {
        var spec = TestSpecs.slow(epochs: 1, sparsities: [0, 10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 95], finetuneEpochs: 1)
        spec.name = "chaos"
        spec.pruning.methods = [.weight, .unit]
        return spec
    }()

    private var store: any WorkStore { get throws { try openWorkStore(TestJobs.storeLocation(in: folder.url)) } }
    private var jobsFolder: URL { folder.url.appendingPathComponent("public/jobs") }

    /// Each planned point once, in the store and in the job's results.csv.
    private func assertEveryRowOnce(_ id: String, spec: SweepSpec, file: StaticString = #filePath, line: UInt = #line) throws {
        let rows = try store.rows(of: id)
        let planned = spec.points.map(\.storeKey).sorted()
        XCTAssertEqual(rows.map(\.pointKey).sorted(), planned, "every point exactly once in the store", file: file, line: line)
        let csv = try ResultsCSV.decode(String(contentsOf: jobsFolder.appendingPathComponent("\(id)/results.csv"), encoding: .utf8))
        XCTAssertEqual(csv.map(\.point.storeKey).sorted(), planned, "and in results.csv", file: file, line: line)
    }

    /// A worker process stopped (SIGSTOP) while it holds a line of job `id`, and that line. A line
    /// takes a fraction of a second, so the worker is stopped first and kept only if it still
    /// holds the lease it was seen with; else it is let go on and another is tried.
    private func stoppedWorkerHoldingALine(of id: String) throws -> (unit: StoredUnit, pid: pid_t) {
        var victim: (unit: StoredUnit, pid: pid_t)?
        try waitUntil(timeout: 120, "a worker stopped while it holds a line") {
            guard let candidate = try leasedUnit(of: id) else { return false }
            stop(candidate.pid)
            let now = try store.units(of: id).first { $0.key == candidate.unit.key }
            if now?.state == .leased && now?.fencingToken == candidate.unit.fencingToken {
                victim = candidate
                return true
            }
            kill(candidate.pid, SIGCONT)
            return false
        }
        return try XCTUnwrap(victim)
    }

    /// Sends SIGSTOP and waits until the process is stopped (state T in /proc/PID/stat).
    private func stop(_ pid: pid_t) {
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        waitUntil(timeout: 10, "process \(pid) to stop") {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return stat.split(separator: ")").last?.split(separator: " ").first == "T"
        }
    }

    /// A unit some worker holds now, with that worker's pid.
    private func leasedUnit(of id: String) throws -> (unit: StoredUnit, pid: pid_t)? {
        for unit in try store.units(of: id) where unit.state == .leased && unit.key.hasPrefix("line/") {
            if let owner = unit.leaseOwner, let pid = service?.workers.processID(ofWorker: owner) { return (unit, pid) }
        }
        return nil
    }

    func testWorkerProcessesRunAJobAndEachRowSaysWhereItWasMeasured() throws {
        try startService(workers: 2, processes: true)
        let spec = Self.smallest(repeats: 2)
        let id = try submit(spec.json)
        let job = try waitForJob(id, ["succeeded", "failed"])
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job["error"] ?? "")")
        try assertEveryRowOnce(id, spec: spec)
        let units = try store.units(of: id)
        XCTAssertTrue(units.allSatisfy { $0.state == .done && $0.doneByHost == MachineIdentity.current.host })
        XCTAssertTrue(try store.rows(of: id).allSatisfy { $0.cpu == MachineIdentity.current.cpu })
        XCTAssertNotNil(try store.artifacts(of: id).first { $0.name == "results.csv" }, "the reports unit records its files")
    }

    func testThreeWorkersOneKilledAfterTheFirstRowCompleteTheJobWithEveryRowOnce() throws {
        try startService(workers: 3, processes: true)
        let spec = Self.twentyFourPoints
        let id = try submit(spec.json)
        try waitUntil(timeout: 120, "the first row") { try store.rows(of: id).count >= 1 }
        let killed = try stoppedWorkerHoldingALine(of: id)
        XCTAssertEqual(kill(killed.pid, SIGKILL), 0)
        let job = try waitForJob(id, ["succeeded", "failed", "cancelled"], timeout: 240)
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job["error"] ?? "")")
        try assertEveryRowOnce(id, spec: spec)
        let attempts = try store.attempts(of: id).filter { $0.unitKey == killed.unit.key }
        XCTAssertGreaterThanOrEqual(attempts.count, 2, "the killed unit ran again")
        XCTAssertEqual(attempts.first?.outcome, .expired)
        XCTAssertTrue(attempts.first?.reason?.contains("SIGKILL") ?? false, attempts.first?.reason ?? "no reason")
        XCTAssertEqual(attempts.last?.outcome, .done)
    }

    func testAWorkerStoppedPastItsLeaseHasItsLateWriteRefused() throws {
        try startService(workers: 2, processes: true)
        let spec = Self.twentyFourPoints
        let id = try submit(spec.json)
        let stopped = try stoppedWorkerHoldingALine(of: id)
        // Past its lease, the other worker takes the unit over and finishes it.
        try waitUntil(timeout: 60, "the unit to be done by another attempt") {
            let unit = try store.units(of: id).first { $0.key == stopped.unit.key }
            return unit?.state == .done && (unit?.fencingToken ?? 0) > stopped.unit.fencingToken
        }
        XCTAssertEqual(kill(stopped.pid, SIGCONT), 0)
        let job = try waitForJob(id, ["succeeded", "failed", "cancelled"], timeout: 240)
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job["error"] ?? "")")
        try assertEveryRowOnce(id, spec: spec)
        let final = try XCTUnwrap(try store.units(of: id).first { $0.key == stopped.unit.key })
        for row in try store.rows(of: id) where row.unitKey == stopped.unit.key {
            XCTAssertEqual(row.fencingToken, final.fencingToken, "the row is the takeover's; the stopped worker's write was refused")
        }
        let attempts = try store.attempts(of: id).filter { $0.unitKey == stopped.unit.key }
        XCTAssertEqual(attempts.first?.outcome, .expired)
    }

    func testACancelMidSweepStopsEveryWorkerAndNoRowIsWrittenAfterIt() throws {
        try startService(workers: 2, processes: true)
        let id = try submit(Self.twentyFourPoints.json)
        try waitUntil(timeout: 120, "two rows") { try store.rows(of: id).count >= 2 }
        XCTAssertEqual(try client.send("POST", "/jobs/\(id)/cancel").status, 202)
        let atCancel = try store.rows(of: id).count
        try waitUntil(timeout: 10, "every worker to let go") {
            try store.units(of: id).allSatisfy { $0.state != .leased || ($0.leaseExpiresAt ?? 0) < Date().timeIntervalSince1970 }
        }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try store.rows(of: id).count, atCancel, "no row after the cancel")
        XCTAssertLessThan(atCancel, 24)
        XCTAssertEqual(try client.get("/jobs/\(id)").json()["state"] as? String, "cancelled")
        // The workers are free for the next job.
        let next = try submit(Self.smallest().json)
        XCTAssertEqual(try waitForJob(next, ["succeeded", "failed"])["state"] as? String, "succeeded")
    }

    func testAWorkerKilledInEveryAttemptFailsTheJobWithItsReasonsAndARestartLeavesItFailed() throws {
        var limits = JobLimits()
        limits.maxAttempts = 2
        try startService(processes: true, environment: [WorkerProcess.crashHookVariable: "SIGKILL@training"], limits: limits)
        let id = try submit(Self.smallest().json)
        let job = try waitForJob(id, ["succeeded", "failed"], timeout: 120)
        XCTAssertEqual(job["state"] as? String, "failed")
        let error = job["error"] as? String ?? ""
        XCTAssertTrue(error.contains("SIGKILL"), error)
        let attempts = try store.attempts(of: id)
        XCTAssertEqual(attempts.map(\.outcome), [.expired, .expired])
        XCTAssertTrue(attempts.allSatisfy { $0.unitKey == "train/r0" })
        try stopService()

        try startService(processes: true)
        let other = try submit(Self.smallest(name: "after").json)
        XCTAssertEqual(try waitForJob(other, ["succeeded", "failed"])["state"] as? String, "succeeded")
        XCTAssertEqual(try client.get("/jobs/\(id)").json()["state"] as? String, "failed", "a failed job is not started again")
    }

    func testShutdownHandsTheUnitBackAndTheNextStartResumesIt() throws {
        try startService(processes: true)
        let id = try submit(TestSpecs.slow().json)
        try waitUntil(timeout: 60, "training to be under way") { (try client.get("/jobs/\(id)").json()["step"] as? Int ?? 0) > 2 }
        try stopService()
        // The unit running at the stop: the training, or a line when the training was quicker than the poll.
        let handedBack = try XCTUnwrap(try store.attempts(of: id).last)
        XCTAssertEqual(handedBack.outcome, .released, "SIGTERM hands the unit back at once")
        XCTAssertEqual(try store.units(of: id).first { $0.key == handedBack.unitKey }?.attempts, 0,
                       "a unit handed back (\(handedBack.unitKey)) spends no attempt")
        try startService(processes: true)
        let job = try waitForJob(id, ["succeeded", "failed"], timeout: 120)
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job["error"] ?? "")")
    }

    func testAUnitOverItsWorkersMemoryLimitFailsAndTheServerDoesNotGrow() throws {
        var limits = JobLimits()
        limits.maxAttempts = 1
        limits.maxJobMemoryBytes = 600 << 20
        // Straight to the store: admission would refuse it, and the point is what a worker does when a unit outgrows it.
        let jobs = try TestJobs(in: folder.url, processes: true, limits: limits)
        jobs.start()
        defer { jobs.shutdown() }
        var spec = Self.smallest(name: "huge")
        spec.dataset.trainSize = 1_000_000
        spec.dataset.features = 1024     // 1 GB of training bytes: over the worker's 600 MB
        let before = Self.residentBytes()
        let id = try jobs.submit(spec).record.id
        jobs.waitForState(id, [.succeeded, .failed], timeout: 120)
        XCTAssertEqual(jobs.job(id)?.state, .failed)
        XCTAssertLessThan(Self.residentBytes() - before, 100 << 20, "the unit's memory was its worker's")
        let next = try jobs.submit(Self.smallest()).record.id
        jobs.waitForState(next, [.succeeded, .failed], timeout: 60)
        XCTAssertEqual(jobs.job(next)?.state, .succeeded, "the restarted worker goes on")
    }

    func testAJobSubmittedToOneFrontEndIsServedByAnother() throws {
        try startService(workers: 0)
        let front = client!
        let id = try submit(Self.smallest().json)
        // A second service on the same store and artifacts, with the only worker.
        var configuration = ServiceConfiguration(stateDirectory: folder.url.appendingPathComponent("state"),
                                                 publicDirectory: folder.url.appendingPathComponent("public"))
        configuration.port = 0
        configuration.http.accessLog = nil
        configuration.log = { _ in }
        configuration.workerLaunch = .threads
        configuration.heartbeatSeconds = 0.25
        configuration.leaseSeconds = 4
        let other = try PruneLabService(configuration: configuration)
        let otherClient = LoopbackClient(port: try other.start())
        defer { other.shutdown(deadline: 2) }
        try waitUntil(timeout: 60, "the first front end to see it succeed") {
            try front.get("/jobs/\(id)").json()["state"] as? String == "succeeded"
        }
        let fromFront = try front.get("/jobs/\(id)/results.csv")
        XCTAssertEqual(fromFront.status, 200)
        XCTAssertEqual(fromFront.text, try otherClient.get("/jobs/\(id)/results.csv").text)
        XCTAssertEqual(try ResultsCSV.decode(fromFront.text).count, 2)
        // And one submitted to the other is listed by the first.
        let second = try otherClient.post("/jobs", json: Self.smallest(name: "second").json)
        let secondID = try XCTUnwrap(try second.json()["id"] as? String)
        try waitUntil(timeout: 5, "the first front end to list it") {
            (try front.get("/jobs").json()["jobs"] as? [[String: Any]])?.contains { $0["id"] as? String == secondID } ?? false
        }
    }

    func testEveryCPUShareHasAtLeastOneCore() {
        XCTAssertEqual(CPUShare.share(worker: 0, of: 1, cpus: [0, 1, 2, 3]), [0, 1, 2, 3])
        XCTAssertEqual(CPUShare.share(worker: 0, of: 2, cpus: [0, 1, 2, 3]), [0, 1])
        XCTAssertEqual(CPUShare.share(worker: 1, of: 2, cpus: [0, 1, 2, 3]), [2, 3])
        XCTAssertEqual(CPUShare.share(worker: 2, of: 3, cpus: [0, 1]), [0])
        XCTAssertEqual(CPUShare.share(worker: 1, of: 3, cpus: [0, 1]), [1])
    }

    /// VmRSS of this process.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
