import Foundation
import XCTest
@testable import PruneLabService
import PruneKit

/// A job record written by PruneLab 0.3 (the first version), kept in Tests/Fixtures/v1.
final class EarlierRecordsTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/v1/job-record.json")

    func testVersion1RecordLoadsAndIsSavedUpgraded() throws {
        let record = try JobStore.decoder.decode(JobRecord.self, from: Data(contentsOf: Self.fixture))
        XCTAssertEqual(record.formatVersion, 1)
        XCTAssertEqual(record.state, .succeeded)
        XCTAssertEqual(record.attempts, 1)
        XCTAssertEqual(record.attemptLog, [])
        XCTAssertEqual(record.spec.name, "fixture")
        let saved = try JSONSerialization.jsonObject(with: JobStore.encoder.encode(record)) as? [String: Any]
        XCTAssertEqual(saved?["format_version"] as? Int, FormatVersion.jobRecord)
    }

    func testARecordFromAFutureVersionIsRefusedWithItsReason() throws {
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any])
        object["format_version"] = FormatVersion.jobRecord + 1
        let data = try JSONSerialization.data(withJSONObject: object)
        XCTAssertThrowsError(try JobStore.decoder.decode(JobRecord.self, from: data)) { error in
            XCTAssertTrue("\(error)".contains("newer than this PruneLab"), "\(error)")
        }
    }
}
