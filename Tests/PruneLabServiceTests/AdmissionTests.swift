import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

/// Every job is costed before it is accepted: refusals name the estimate, the limit and the fields.
final class AdmissionTests: ServiceTestCase {
    private func refusal(_ spec: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let response = try client.post("/jobs", json: spec)
        XCTAssertEqual(response.status, 422, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        return try response.json()
    }

    private func pointers(_ body: [String: Any]) -> Set<String> {
        Set((body["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String })
    }

    /// The issue's spec, which once crashed the server: refused at once, naming the data's fields.
    func testAHugeDatasetIsRefusedWithItsEstimateAndFields() throws {
        var limits = JobLimits()
        limits.maxJobMemoryBytes = 6_000_000_000
        try startService(limits: limits)
        let body = try refusal(#"{"dataset": {"name": "synthetic", "train_size": 1000000, "test_size": 1000000, "features": 8192}, "model": {"hidden": [1]}, "training": {"epochs": 1}}"#)
        let detail = try XCTUnwrap(body["detail"] as? String)
        XCTAssertTrue(detail.hasPrefix("peak memory ") && detail.contains("> limit 6.00 GB"), detail)
        XCTAssertTrue(pointers(body).isSuperset(of: ["/dataset/features", "/dataset/train_size", "/dataset/test_size"]), "\(pointers(body))")
        let estimate = try XCTUnwrap(body["estimate"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(estimate["peak_memory_bytes"] as? Int), 16_000_000_000)
        XCTAssertEqual(try client.get("/jobs").json()["jobs"] as? [Any] as? [NSObject], [])
        XCTAssertEqual(try client.get("/healthz").status, 200)
    }

    func testTooMuchWorkIsRefusedOverTheTimeLimit() throws {
        try startService()
        let sparsities = (0..<64).map { String(Double($0) * 1.5) }.joined(separator: ", ")
        let body = try refusal(#"{"repeats": 20, "pruning": {"sparsities": [\#(sparsities)], "finetune_epochs": 200}}"#)
        XCTAssertTrue((body["detail"] as? String ?? "").contains("> limit 24h 00m"), "\(body)")
        XCTAssertTrue(pointers(body).isSuperset(of: ["/repeats", "/pruning/finetune_epochs", "/pruning/sparsities"]), "\(pointers(body))")
    }

    func testTheLargestNetworkIsRefusedWithItsParameterCount() throws {
        try startService()
        let hidden = Array(repeating: "8192", count: 16).joined(separator: ", ")
        let body = try refusal(#"{"model": {"hidden": [\#(hidden)]}, "dataset": {"name": "synthetic", "features": 8192, "train_size": 1000000, "test_size": 1000000}}"#)
        XCTAssertTrue(pointers(body).contains("/model/hidden"))
        XCTAssertTrue((body["detail"] as? String ?? "").contains("1073823744 parameters"), "\(body)")
    }

    func testADryRunCostsTheJobAndCreatesNone() throws {
        try startService()
        let fine = try client.post("/jobs?dry_run=true", json: TestSpecs.tinyJSON)
        XCTAssertEqual(fine.status, 200)
        let body = try fine.json()
        XCTAssertEqual(body["admissible"] as? Bool, true)
        XCTAssertEqual((body["problems"] as? [Any])?.count, 0)
        XCTAssertGreaterThan(try XCTUnwrap((body["estimate"] as? [String: Any])?["flops"] as? Double), 0)
        let over = try client.post("/jobs?dry_run=true", json: #"{"repeats": 20, "training": {"epochs": 200}, "pruning": {"finetune_epochs": 50}}"#).json()
        XCTAssertEqual(over["admissible"] as? Bool, false)
        XCTAssertFalse((over["problems"] as? [Any] ?? []).isEmpty)
        XCTAssertEqual(try client.post("/jobs?dry_run=maybe", json: "{}").status, 400)
        XCTAssertEqual((try client.get("/jobs").json()["jobs"] as? [Any])?.count, 0, "a dry run creates no job")
    }

    /// An accepted job keeps its estimate, in the store, where every front end shows it.
    func testAnAcceptedJobCarriesItsEstimate() throws {
        try startService()
        let id = try submit(TestSpecs.tinyJSON)
        let estimate = try XCTUnwrap(try client.get("/jobs/\(id)").json()["estimate"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(estimate["peak_memory_bytes"] as? Int), 0)
        try stopService()
        try startService(workers: 0)
        let again = try XCTUnwrap(try client.get("/jobs/\(id)").json()["estimate"] as? [String: Any])
        XCTAssertEqual(again["peak_memory_bytes"] as? Int, estimate["peak_memory_bytes"] as? Int)
    }
}
