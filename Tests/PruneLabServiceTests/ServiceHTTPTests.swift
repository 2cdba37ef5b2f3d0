import Foundation
import JobStoreKit
import PruneKit
import XCTest
@testable import PruneLabService

/// The service end to end over loopback: real server, real sweeps (tiny synthetic ones).
final class ServiceHTTPTests: ServiceTestCase {
    func testSubmitPollAndFetchEveryArtifact() throws {
        try startService()
        let response = try client.post("/jobs", json: TestSpecs.tinyJSON)
        XCTAssertEqual(response.status, 202)
        let id = try XCTUnwrap(response.json()["id"] as? String)
        XCTAssertEqual(id, id.lowercased())
        XCTAssertNotNil(UUID(uuidString: id))
        XCTAssertEqual(response.headers["location"], "/jobs/\(id)")
        XCTAssertNotNil(response.headers["retry-after"].flatMap(Int.init))
        // Queued, or already claimed by the worker, which may be quicker than this answer.
        XCTAssertTrue(["queued", "running"].contains(try response.json()["state"] as? String ?? ""), response.text)

        let job = try waitForJob(id, ["succeeded", "failed"])
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job["error"] ?? "")")
        XCTAssertEqual(job["progress"] as? Double, 1)
        XCTAssertEqual((job["spec"] as? [String: Any])?["name"] as? String, "tiny")
        for key in ["created_at", "started_at", "finished_at"] { XCTAssertNotNil(job[key] as? String, key) }
        let artifacts = try XCTUnwrap(job["artifacts"] as? [String: String])

        let csv = try client.get(try XCTUnwrap(artifacts["results.csv"]))
        XCTAssertEqual(csv.status, 200)
        XCTAssertTrue(csv.headers["content-type"]?.hasPrefix("text/csv") ?? false, csv.headers["content-type"] ?? "none")
        let rows = try ResultsCSV.decode(csv.text)
        XCTAssertEqual(rows.map(\.targetSparsity), [0, 50])
        XCTAssertEqual(rows.map(\.method), [.weight, .weight])
        XCTAssertEqual(try client.get("/jobs/\(id)/summary.csv").status, 200)

        for chart in ["accuracy.svg", "loss.svg", "latency.svg", "weights.svg"] {
            let svg = try client.get(try XCTUnwrap(artifacts[chart], chart))
            XCTAssertEqual(svg.status, 200, chart)
            XCTAssertTrue(svg.headers["content-type"]?.hasPrefix("image/svg+xml") ?? false, chart)
            let text = svg.text.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(text.contains("<svg") && text.hasSuffix("</svg>"), "\(chart) is a whole SVG document")
            XCTAssertTrue(text.contains("xmlns=\"http://www.w3.org/2000/svg\""), chart)
        }

        // safetensors: an 8-byte little-endian header length, a JSON header, then the tensors.
        let weights = try client.get(try XCTUnwrap(artifacts["model.safetensors"]))
        XCTAssertEqual(weights.status, 200)
        let bytes = [UInt8](weights.body)
        let headerLength = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) })
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
        let tensors = header.filter { $0.key != "__metadata__" }.compactMap { $0.value as? [String: Any] }
        XCTAssertEqual(tensors.count, 2, "two weight matrices, no biases")
        XCTAssertTrue(tensors.allSatisfy { $0["dtype"] as? String == "F32" })
        let dataBytes = tensors.compactMap { ($0["data_offsets"] as? [Int]).map { $0[1] - $0[0] } }.reduce(0, +)
        XCTAssertEqual(8 + headerLength + dataBytes, bytes.count)
        XCTAssertEqual(dataBytes, 4 * (16 * 16 + 16 * 4))

        let unknown = try client.get("/jobs/\(id)/passwords.txt")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertTrue((try problem(unknown)["detail"] as? String ?? "").contains("passwords.txt"))
        XCTAssertEqual(try client.get("/jobs/\(id)/..%2F..%2Fstate").status, 404)
        XCTAssertEqual(try client.get("/").status, 200, "the web page")
    }

    func testListIsNewestFirstAndFiltersByState() throws {
        try startService()
        let first = try submit(TestSpecs.tinyJSON)
        try waitForJob(first, ["succeeded"])
        let second = try submit(TestSpecs.tinyJSON)
        try waitForJob(second, ["succeeded"])
        let all = try XCTUnwrap(try client.get("/jobs").json()["jobs"] as? [[String: Any]])
        XCTAssertEqual(all.compactMap { $0["id"] as? String }, [second, first])
        let succeeded = try XCTUnwrap(try client.get("/jobs?state=succeeded").json()["jobs"] as? [[String: Any]])
        XCTAssertEqual(succeeded.count, 2)
        let queued = try XCTUnwrap(try client.get("/jobs?state=queued").json()["jobs"] as? [[String: Any]])
        XCTAssertTrue(queued.isEmpty)
    }

    func testEveryKindOfBadRequestGetsItsOwnClearError() throws {
        try startService(maxBodySize: 64 * 1024)
        func post(_ body: String, contentType: String?) throws -> LoopbackClient.Response {
            try client.send("POST", "/jobs", headers: contentType.map { ["Content-Type": $0] } ?? [:], body: Data(body.utf8))
        }
        // Content type.
        for type in [nil, "text/plain", "application/x-www-form-urlencoded"] as [String?] {
            let response = try post("{}", contentType: type)
            XCTAssertEqual(response.status, 415, type ?? "no type")
            XCTAssertEqual(try problem(response)["type"] as? String, "urn:prunelab:problem:unsupported-media-type")
        }
        // Malformed JSON, and an empty body.
        for body in ["{\"model\": ", "", "{'a': 1}", "nul"] {
            let response = try post(body, contentType: "application/json")
            XCTAssertEqual(response.status, 400, body)
            XCTAssertEqual(try problem(response)["type"] as? String, "urn:prunelab:problem:malformed-json", body)
        }
        // A well-formed spec that is wrong in many places: every field is named.
        let bad = #"""
        {"bogus": 1, "model": {"hidden": [0, "x"]}, "training": {"epochs": 1000, "optimizer": "rmsprop", "learning_rate": -1},
         "pruning": {"methods": ["weight", "weight"], "sparsities": [100]}, "repeats": 0}
        """#
        let invalid = try post(bad, contentType: "application/json; charset=utf-8")
        XCTAssertEqual(invalid.status, 400)
        let body = try problem(invalid)
        XCTAssertEqual(body["type"] as? String, "urn:prunelab:problem:invalid-spec")
        let errors = try XCTUnwrap(body["errors"] as? [[String: String]])
        XCTAssertEqual(Set(errors.compactMap { $0["pointer"] }), [
            "/bogus", "/model/hidden/0", "/model/hidden/1", "/training/epochs", "/training/optimizer",
            "/training/learning_rate", "/pruning/methods/1", "/pruning/sparsities/0", "/repeats",
        ])
        XCTAssertTrue(errors.allSatisfy { !($0["detail"] ?? "").isEmpty })
        // Not an object at all.
        let array = try post("[]", contentType: "application/json")
        XCTAssertEqual(array.status, 400)
        XCTAssertEqual((try problem(array)["errors"] as? [[String: String]])?.first?["pointer"], "")
        // Valid specs the server will not run: over a limit, or data it does not have (422, not 400).
        let huge = try post(#"{"model": {"hidden": [8192, 8192]}}"#, contentType: "application/json")
        XCTAssertEqual(huge.status, 422)
        XCTAssertEqual((try problem(huge)["errors"] as? [[String: String]])?.first?["pointer"], "/model/hidden")
        // A path outside the data roots is refused whether or not it exists (403); inside, a missing one is 422.
        let outside = try post(#"{"dataset": {"path": "/no/such/idx/folder"}}"#, contentType: "application/json")
        XCTAssertEqual(outside.status, 403)
        XCTAssertEqual((try problem(outside)["errors"] as? [[String: String]])?.first?["pointer"], "/dataset/path")
        let missing = try post(#"{"dataset": {"path": "/usr/share/datasets/fashion-mnist/no-such-folder"}}"#, contentType: "application/json")
        XCTAssertEqual(missing.status, 422)
        XCTAssertEqual((try problem(missing)["errors"] as? [[String: String]])?.first?["pointer"], "/dataset/path")
        // Too big for the server.
        let oversized = try post("{\"name\": \"\(String(repeating: "x", count: 100_000))\"}", contentType: "application/json")
        XCTAssertEqual(oversized.status, 413)
        // A malformed Idempotency-Key.
        let key = try client.post("/jobs", json: "{}", headers: ["Idempotency-Key": String(repeating: "k", count: 300)])
        XCTAssertEqual(key.status, 400)
        XCTAssertEqual(try problem(key)["type"] as? String, "urn:prunelab:problem:invalid-idempotency-key")
        // Queries, unknown jobs, wrong methods.
        XCTAssertEqual(try client.get("/jobs?state=done").status, 400)
        XCTAssertTrue((try problem(try client.get("/jobs?state=done"))["detail"] as? String ?? "").contains("queued"))
        XCTAssertEqual(try client.get("/jobs?sort=asc").status, 400)
        let unknown = try client.get("/jobs/00000000-0000-0000-0000-000000000000")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(try problem(unknown)["type"] as? String, "urn:prunelab:problem:job-not-found")
        XCTAssertEqual(try client.delete("/jobs/00000000-0000-0000-0000-000000000000").status, 404)
        XCTAssertEqual(try client.get("/jobs/00000000-0000-0000-0000-000000000000/events").status, 404)
        XCTAssertEqual(try client.get("/jobs/00000000-0000-0000-0000-000000000000/results.csv").status, 404)
        let put = try client.send("PUT", "/jobs")
        XCTAssertEqual(put.status, 405)
        XCTAssertNotNil(put.headers["allow"])
        // Nothing bad was queued.
        XCTAssertEqual((try client.get("/jobs").json()["jobs"] as? [Any])?.count, 0)
    }

    func testIdempotencyKey() throws {
        try startService()
        let first = try client.post("/jobs", json: TestSpecs.tinyJSON, headers: ["Idempotency-Key": "retry-me"])
        XCTAssertEqual(first.status, 202)
        let id = try XCTUnwrap(first.json()["id"] as? String)
        let retry = try client.post("/jobs", json: TestSpecs.tinyJSON, headers: ["Idempotency-Key": "retry-me"])
        XCTAssertEqual(retry.status, 202)
        XCTAssertEqual(try retry.json()["id"] as? String, id)
        XCTAssertEqual(retry.headers["location"], "/jobs/\(id)")
        XCTAssertEqual(retry.headers["idempotent-replayed"], "true")
        let different = try client.post("/jobs", json: "{\"dataset\": {\"name\": \"synthetic\"}}", headers: ["Idempotency-Key": "retry-me"])
        XCTAssertEqual(different.status, 422)
        XCTAssertTrue((try problem(different)["detail"] as? String ?? "").contains(id))
        let other = try client.post("/jobs", json: TestSpecs.tinyJSON, headers: ["Idempotency-Key": "another"])
        XCTAssertNotEqual(try other.json()["id"] as? String, id)
        XCTAssertEqual((try client.get("/jobs").json()["jobs"] as? [Any])?.count, 2)
    }

    func testCancelQueuedAndRunningJobs() throws {
        try startService()
        let running = try submit(TestSpecs.slow().json)
        let queued = try submit(TestSpecs.tinyJSON)
        try waitUntil("training to be under way") {
            let job = try client.get("/jobs/\(running)").json()
            return job["state"] as? String == "running" && (job["step"] as? Int ?? 0) > 2
        }
        let cancelQueued = try client.send("POST", "/jobs/\(queued)/cancel")
        XCTAssertEqual(cancelQueued.status, 200)
        XCTAssertEqual(try cancelQueued.json()["state"] as? String, "cancelled")

        let cancelRunning = try client.send("POST", "/jobs/\(running)/cancel")
        XCTAssertEqual(cancelRunning.status, 202)
        XCTAssertEqual(try cancelRunning.json()["cancel_requested"] as? Bool, true)
        let stopped = try waitForJob(running, ["cancelled", "succeeded", "failed"], timeout: 10)
        XCTAssertEqual(stopped["state"] as? String, "cancelled")
        XCTAssertLessThan(stopped["epoch"] as? Int ?? 0, 50)

        Thread.sleep(forTimeInterval: 0.2)   // the worker is free: the cancelled queued job must not start
        let never = try client.get("/jobs/\(queued)").json()
        XCTAssertEqual(never["state"] as? String, "cancelled")
        XCTAssertEqual(never["attempts"] as? Int, 0)
        XCTAssertTrue(never["started_at"] is NSNull)

        let again = try client.send("POST", "/jobs/\(running)/cancel")
        XCTAssertEqual(again.status, 409)
        XCTAssertEqual(try problem(again)["type"] as? String, "urn:prunelab:problem:job-finished")
    }

    func testEventStreamDeliversStateAndProgressInOrder() throws {
        try startService()
        _ = try submit(TestSpecs.slow(epochs: 5).json)     // keeps the worker busy, so the next job is seen queued
        // Long enough to be seen running (well over a second, even with training at full speed):
        // front ends follow the store every 200 ms, so a shorter state may merge into the next.
        let id = try submit(TestSpecs.slow(epochs: 100).json)
        let response = try client.get("/jobs/\(id)/events")   // returns when the stream ends with the job
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "text/event-stream")
        XCTAssertTrue(response.text.hasPrefix("retry: "))
        let events = ServerSentEvent.parse(response.text)
        let jobs = try events.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.data.utf8)) as? [String: Any]) }
        XCTAssertEqual(events.first?.event, "state")
        XCTAssertEqual(jobs.first?["state"] as? String, "queued")
        XCTAssertEqual(events.last?.event, "state")
        XCTAssertEqual(jobs.last?["state"] as? String, "succeeded")
        XCTAssertTrue(zip(events, jobs).contains { $0.event == "state" && $1["state"] as? String == "running" })
        XCTAssertTrue(events.contains { $0.event == "progress" })
        let ids = events.compactMap(\.id)
        XCTAssertEqual(ids.count, events.count, "every event has an id")
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(Set(ids).count, ids.count)
        let fractions = jobs.compactMap { $0["progress"] as? Double }
        XCTAssertEqual(fractions, fractions.sorted(), "progress never goes back")
        XCTAssertTrue(jobs.allSatisfy { $0["id"] as? String == id })
    }

    func testTokenGuardsPostAndDeleteOnly() throws {
        try startService(token: "s3cret-token")
        let none = try client.post("/jobs", json: TestSpecs.tinyJSON)
        XCTAssertEqual(none.status, 401)
        XCTAssertTrue(none.headers["www-authenticate"]?.hasPrefix("Bearer") ?? false)
        XCTAssertEqual(try problem(none)["type"] as? String, "urn:prunelab:problem:unauthorized")
        XCTAssertEqual(try client.post("/jobs", json: TestSpecs.tinyJSON, headers: ["Authorization": "Bearer wrong"]).status, 401)
        XCTAssertEqual(try client.post("/jobs", json: TestSpecs.tinyJSON, headers: ["Authorization": "Basic s3cret-token"]).status, 401)
        XCTAssertEqual(try client.post("/jobs", json: TestSpecs.tinyJSON, headers: ["Authorization": "Bearer s3cret-token-and-more"]).status, 401)
        let id = try submit(TestSpecs.slow().json, headers: ["Authorization": "Bearer s3cret-token"])
        XCTAssertEqual(try client.get("/jobs/\(id)").status, 200, "reading needs no token")
        XCTAssertEqual(try client.get("/jobs").status, 200)
        XCTAssertEqual(try client.send("POST", "/jobs/\(id)/cancel").status, 401)
        XCTAssertEqual(try client.delete("/jobs/\(id)").status, 401)
        XCTAssertNotEqual(try client.get("/jobs/\(id)").json()["cancel_requested"] as? Bool, true, "refused cancel and DELETE changed nothing")
        XCTAssertTrue([200, 202].contains(try client.send("POST", "/jobs/\(id)/cancel", headers: ["Authorization": "Bearer s3cret-token"]).status))
        try waitForJob(id, ["cancelled"])
        XCTAssertEqual(try client.delete("/jobs/\(id)", headers: ["Authorization": "Bearer s3cret-token"]).status, 204)
        XCTAssertEqual(try client.get("/jobs/\(id)").status, 404)
    }

    func testHealthAndMetrics() throws {
        try startService()
        let health = try client.get("/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(try health.json()["status"] as? String, "ok")
        let id = try submit(TestSpecs.tinyJSON)
        try waitForJob(id, ["succeeded"])
        _ = try client.get("/jobs/no-such-job")
        let metrics = try client.get("/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.headers["content-type"]?.hasPrefix("text/plain") ?? false)
        let lines = Set(metrics.text.split(separator: "\n").map(String.init))
        for expected in ["prunelab_jobs{state=\"succeeded\"} 1", "prunelab_jobs{state=\"queued\"} 0",
                         "prunelab_queue_length 0", "prunelab_workers 1", "prunelab_training_samples_per_second 0.0",
                         "prunelab_http_requests_total{status=\"202\"} 1", "prunelab_http_requests_total{status=\"404\"} 1",
                         "# TYPE prunelab_http_requests_total counter"] {
            XCTAssertTrue(lines.contains(expected), "missing: \(expected)\n\(metrics.text)")
        }
    }

    func testRestartDuringASweepResumesWithoutDuplicateRows() throws {
        try startService()
        // Each point fine-tunes for an epoch, so the restart lands between points.
        let spec = TestSpecs.slow(epochs: 1, sparsities: [0, 20, 40, 60, 80, 90], finetuneEpochs: 1)
        let id = try submit(spec.json)
        let folder = try XCTUnwrap(service?.jobs.artifactsRoot.appendingPathComponent(id))
        let checkpoint = folder.appendingPathComponent("model.safetensors")
        let store = try openWorkStore(TestJobs.storeLocation(in: self.folder.url))
        try waitUntil(timeout: 60, "two points measured") { try store.rows(of: id).count >= 2 }
        try stopService()
        XCTAssertEqual(try store.job(id)?.state, .running, "an interrupted job stays running in the store, to be resumed")
        XCTAssertTrue(try store.units(of: id).allSatisfy { $0.state != .leased }, "the stopping worker handed its unit back (or held none)")
        let rowsBefore = try store.rows(of: id)
        XCTAssertLessThan(rowsBefore.count, 6, "the sweep was interrupted before its end")
        let checkpointDate = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date

        try startService()
        let feed = try XCTUnwrap(service?.jobs.subscribe(to: id))
        let job = try waitForJob(id, ["succeeded", "failed", "cancelled"])
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job["error"] ?? "")")
        var phases: Set<SweepPhase> = []
        while case .event(let event) = feed.next(timeout: 1) { if let p = event.job.progress { phases.insert(p.phase) } }
        XCTAssertFalse(phases.contains(.training), "the checkpoint is loaded, not trained again")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date, checkpointDate)
        let units = try store.units(of: id)
        XCTAssertEqual(units.first { $0.key == "train/r0" }?.attempts, 1, "trained once")
        let rows = try ResultsCSV.decode(try client.get("/jobs/\(id)/results.csv").text)
        XCTAssertEqual(rows.map(\.targetSparsity), [0, 20, 40, 60, 80, 90], "every point once, in order")
        let after = try store.rows(of: id)
        XCTAssertEqual(after.count, 6)
        for row in rowsBefore { XCTAssertEqual(after.first { $0.pointKey == row.pointKey }, row, "rows measured before the restart are kept") }
    }
}
