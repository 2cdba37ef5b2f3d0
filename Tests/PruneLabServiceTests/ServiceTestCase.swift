import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

/// Runs a real service on a free loopback port with temporary state and public folders.
class ServiceTestCase: XCTestCase {
    var folder: TemporaryFolder!
    var service: PruneLabService?
    var client: LoopbackClient!

    override func setUpWithError() throws {
        folder = try TemporaryFolder()
        let site = folder.url.appendingPathComponent("public")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        try Data("<!doctype html><title>PruneLab test page</title>".utf8).write(to: site.appendingPathComponent("index.html"))
    }

    override func tearDown() {
        service?.shutdown(deadline: 2)
        folder.remove()
    }

    /// A service with `workers` workers on threads, or with `processes`, real `prunelab worker` processes.
    func startService(token: String? = nil, maxBodySize: Int = 1 << 20, workers: Int = 1, processes: Bool = false,
                      environment: [String: String] = [:], limits: JobLimits = JobLimits(), dataRoots: [URL] = [],
                      maxUpload: Int = 512 * 1_000_000) throws {
        var configuration = ServiceConfiguration(stateDirectory: folder.url.appendingPathComponent("state"),
                                                 publicDirectory: folder.url.appendingPathComponent("public"))
        configuration.port = 0
        configuration.token = token
        configuration.http.maxBodySize = maxBodySize
        configuration.http.accessLog = nil
        configuration.log = { _ in }
        configuration.limits = limits
        configuration.dataRoots = dataRoots
        configuration.maxUploadBytes = maxUpload
        configuration.workers = workers
        configuration.workerLaunch = processes
            ? .processes(executable: TestJobs.prunelabExecutable, environment: ["SWIFT_BACKTRACE": "enable=no"].merging(environment) { $1 })
            : .threads
        configuration.leaseSeconds = 4
        configuration.heartbeatSeconds = 0.25
        let service = try PruneLabService(configuration: configuration)
        client = LoopbackClient(port: try service.start())
        self.service = service
    }

    /// Stops the service as a deployment would: workers interrupted, server drained.
    func stopService() throws {
        service?.shutdown(deadline: 2)
        service = nil
    }

    @discardableResult
    func submit(_ json: String, headers: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let response = try client.post("/jobs", json: json, headers: headers)
        XCTAssertEqual(response.status, 202, response.text, file: file, line: line)
        return try XCTUnwrap(response.json()["id"] as? String, file: file, line: line)
    }

    /// Polls `GET /jobs/{id}` until its state is one of `states`; the last job seen.
    @discardableResult
    func waitForJob(_ id: String, _ states: Set<String>, timeout: TimeInterval = 60,
                    file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        var job: [String: Any] = [:]
        try waitUntil(timeout: timeout, "job \(id) to reach \(states.sorted())", file: file, line: line) {
            job = try client.get("/jobs/\(id)").json()
            return states.contains(job["state"] as? String ?? "")
        }
        return job
    }

    func problem(_ response: LoopbackClient.Response, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(response.headers["content-type"], "application/problem+json", file: file, line: line)
        let body = try response.json()
        XCTAssertEqual(body["status"] as? Int, response.status, file: file, line: line)
        XCTAssertFalse((body["detail"] as? String ?? "").isEmpty, "a problem says what is wrong", file: file, line: line)
        return body
    }
}

extension SweepSpec {
    /// The spec as a client would POST it (its fields exactly as the schema reads them).
    var json: String { String(decoding: SpecSchema.document(of: self).serialized(), as: UTF8.self) }
}
