import Foundation
import XCTest
@testable import PruneLabService
import PruneKit

/// A job record written by PruneLab 0.3 (the first version, `state/jobs/<id>.json`, kept in
/// Tests/Fixtures/v1): the service's store imports it on its first start and serves the job.
final class EarlierRecordsTests: ServiceTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/v1/job-record.json")

    func testAVersion1RecordIsImportedOnTheStoresFirstStartAndServed() throws {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any])
        let id = try XCTUnwrap(object["id"] as? String)
        let records = folder.url.appendingPathComponent("state/jobs")
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        try Data(contentsOf: Self.fixture).write(to: records.appendingPathComponent("\(id).json"))
        try startService(workers: 0)
        let job = try client.get("/jobs/\(id)").json()
        XCTAssertEqual(job["state"] as? String, "succeeded")
        XCTAssertEqual((job["spec"] as? [String: Any])?["name"] as? String, "fixture")
        // Imported once: deleted, it does not come back on the next start.
        XCTAssertEqual(try client.delete("/jobs/\(id)").status, 204)
        try stopService()
        try startService(workers: 0)
        XCTAssertEqual(try client.get("/jobs/\(id)").status, 404)
    }
}
