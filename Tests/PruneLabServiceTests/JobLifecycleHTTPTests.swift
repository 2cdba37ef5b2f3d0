import Foundation
import JobStoreKit
import PruneKit
import XCTest
@testable import PruneLabService

/// Cancel, delete, retention, the queue limit, a full disk and the security default, over HTTP.
final class JobLifecycleHTTPTests: ServiceTestCase {
    private var jobsFolder: URL { folder.url.appendingPathComponent("public/jobs") }

    func testDeleteRemovesQueuedRunningAndFinishedJobsAndEveryURLAnswers404() throws {
        try startService(processes: true)
        let finished = try submit(TestSpecs.tinyJSON)
        try waitForJob(finished, ["succeeded"])
        let running = try submit(TestSpecs.slow().json)
        let queued = try submit(TestSpecs.tinyJSON)
        try waitUntil("the slow job to train") { (try client.get("/jobs/\(running)").json()["step"] as? Int ?? 0) > 2 }

        for id in [queued, running, finished] {
            XCTAssertEqual(try client.delete("/jobs/\(id)").status, 204, "job \(id)")
            for path in ["/jobs/\(id)", "/jobs/\(id)/events", "/jobs/\(id)/results.csv", "/jobs/\(id)/spec.json"] {
                XCTAssertEqual(try client.get(path).status, 404, path)
            }
            XCTAssertEqual(try client.send("POST", "/jobs/\(id)/cancel").status, 404)
            XCTAssertEqual(try client.delete("/jobs/\(id)").status, 404, "deleted once")
            XCTAssertFalse(FileManager.default.fileExists(atPath: jobsFolder.appendingPathComponent(id).path), "artifacts of \(id)")
            XCTAssertNil(try openWorkStore(TestJobs.storeLocation(in: folder.url)).job(id), "gone from the store")
        }
        XCTAssertEqual((try client.get("/jobs").json()["jobs"] as? [Any])?.count, 0)
        // Nothing comes back after a restart.
        try stopService()
        try startService()
        XCTAssertEqual((try client.get("/jobs").json()["jobs"] as? [Any])?.count, 0)
    }

    func testCancelAnswers200QueuedAnd202RunningAnd409Finished() throws {
        try startService(processes: true)
        let running = try submit(TestSpecs.slow().json)
        let queued = try submit(TestSpecs.tinyJSON)
        try waitUntil("the slow job to train") { (try client.get("/jobs/\(running)").json()["step"] as? Int ?? 0) > 2 }
        XCTAssertEqual(try client.send("POST", "/jobs/\(queued)/cancel").status, 200)
        XCTAssertEqual(try client.send("POST", "/jobs/\(running)/cancel").status, 202)
        let stopped = try waitForJob(running, ["cancelled", "failed", "succeeded"], timeout: 5)
        XCTAssertEqual(stopped["state"] as? String, "cancelled")
        try waitUntil(timeout: 10, "its worker to let go") { try client.get("/jobs/\(running)").json()["cancel_requested"] as? Bool == false }
        let log = try XCTUnwrap(try client.get("/jobs/\(running)").json()["attempt_log"] as? [[String: Any]])
        XCTAssertEqual(log.last?["outcome"] as? String, "cancelled")
        XCTAssertEqual(try client.send("POST", "/jobs/\(running)/cancel").status, 409)
        XCTAssertEqual(try client.get("/jobs/\(queued)").json()["attempts"] as? Int, 0)
    }

    func testAFloodOfSubmissionsGets429BeyondTheQueueLimitAndReplaysStillWork() throws {
        var limits = JobLimits()
        limits.maxQueued = 5
        try startService(limits: limits)
        let busy = try submit(TestSpecs.slow().json, headers: ["Idempotency-Key": "busy"])
        try waitForJob(busy, ["running"])
        var accepted = 0, refused = 0
        for index in 0..<40 {
            let response = try client.post("/jobs", json: TestSpecs.tiny(name: "flood-\(index)").json)
            switch response.status {
            case 202: accepted += 1
            case 429:
                refused += 1
                XCTAssertEqual(try problem(response)["type"] as? String, "urn:prunelab:problem:queue-full")
                XCTAssertNotNil(response.headers["retry-after"])
            default: XCTFail("unexpected \(response.status): \(response.text)")
            }
            XCTAssertEqual(try client.get("/healthz").status, 200)
        }
        XCTAssertEqual(accepted, 5, "the running job does not count")
        XCTAssertEqual(refused, 35)
        let replay = try client.post("/jobs", json: TestSpecs.slow().json, headers: ["Idempotency-Key": "busy"])
        XCTAssertEqual(replay.status, 202)
        XCTAssertEqual(try replay.json()["id"] as? String, busy)
        XCTAssertEqual(try client.send("POST", "/jobs/\(busy)/cancel").status, 202)
    }

    func testRetainKeepsOnlyTheNewestFinishedJobs() throws {
        var limits = JobLimits()
        limits.retainFinished = 1
        try startService(limits: limits)
        let old = try submit(TestSpecs.tinyJSON)
        try waitForJob(old, ["succeeded"])
        let new = try submit(TestSpecs.tiny(name: "newer").json)
        try waitForJob(new, ["succeeded"])
        try waitUntil("the older job to be deleted") { try client.get("/jobs/\(old)").status == 404 }
        XCTAssertFalse(FileManager.default.fileExists(atPath: jobsFolder.appendingPathComponent(old).path))
        XCTAssertNil(try openWorkStore(TestJobs.storeLocation(in: folder.url)).job(old), "gone from the store")
        XCTAssertEqual(try client.get("/jobs/\(new)/results.csv").status, 200)
    }

    func testTheCheckpointOfEveryRepeatIsServed() throws {
        try startService()
        var spec = TestSpecs.tiny()
        spec.repeats = 2
        let id = try submit(spec.json)
        let job = try waitForJob(id, ["succeeded", "failed"])
        XCTAssertEqual(job["state"] as? String, "succeeded")
        XCTAssertNotNil((job["artifacts"] as? [String: String])?["model-repeat-1.safetensors"])
        XCTAssertEqual(try client.get("/jobs/\(id)/model-repeat-1.safetensors").status, 200)
        XCTAssertEqual(try client.get("/jobs/\(id)/model-repeat-2.safetensors").status, 404, "there are 2 repeats")
    }

    func testAnOSErrorFailsThatJobWithTheOSErrorAndEverythingElseStays() throws {
        try startService()
        let earlier = try submit(TestSpecs.tinyJSON)
        try waitForJob(earlier, ["succeeded"])
        try stopService()

        // A front end that runs no work takes the job; a file where its folder should be stops every attempt.
        try startService(workers: 0)
        let id = try submit(TestSpecs.tiny(name: "no room").json)
        try Data("in the way".utf8).write(to: jobsFolder.appendingPathComponent(id))
        try stopService()
        try startService()
        let job = try waitForJob(id, ["succeeded", "failed"])
        XCTAssertEqual(job["state"] as? String, "failed")
        let error = job["error"] as? String ?? ""
        XCTAssertTrue(error.contains(jobsFolder.appendingPathComponent(id).path), "names the path: \(error)")
        XCTAssertEqual((job["attempt_log"] as? [[String: Any]])?.count, 3, "the unit had its 3 attempts")
        XCTAssertEqual(try client.get("/healthz").status, 200)
        XCTAssertEqual(try client.get("/jobs/\(earlier)").json()["state"] as? String, "succeeded")
        XCTAssertEqual(try client.get("/jobs/\(earlier)/results.csv").status, 200)
    }

    func testANonLoopbackAddressNeedsATokenOrNoAuth() throws {
        var configuration = ServiceConfiguration(stateDirectory: folder.url.appendingPathComponent("state"),
                                                 publicDirectory: folder.url.appendingPathComponent("public"))
        configuration.host = "0.0.0.0"
        configuration.log = { _ in }
        XCTAssertThrowsError(try PruneLabService(configuration: configuration)) { error in
            XCTAssertTrue("\(error)".contains("PRUNELAB_TOKEN"), "\(error)")
        }
        configuration.token = "secret"
        XCTAssertNil(configuration.securityProblem)
        configuration.token = nil
        configuration.allowWithoutToken = true
        XCTAssertNil(configuration.securityProblem)
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost", "[::1]"] {
            XCTAssertTrue(ServiceConfiguration.isLoopback(host), host)
        }
        for host in ["0.0.0.0", "::", "192.168.1.2", "example.org", "127.0.0.1.example.org"] {
            XCTAssertFalse(ServiceConfiguration.isLoopback(host), host)
        }
    }
}
