import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

/// Status polls reuse the encoded job only while nothing a client could see has changed.
final class PollBodyCacheTests: XCTestCase {
    func testABodyIsEncodedAgainWhenTheJobOrItsArtifactsChange() {
        let cache = PollBodyCache()
        var record = JobRecord(spec: SweepSpec())
        var encodings = 0
        func poll(_ artifacts: [String] = []) -> String {
            let body = cache.body(of: record, artifacts: artifacts) {
                encodings += 1
                return Array("\(record.state.rawValue) \(artifacts.joined(separator: ","))".utf8)
            }
            return String(decoding: body, as: UTF8.self)
        }
        XCTAssertEqual(poll(), "queued ")
        XCTAssertEqual(poll(), "queued ")
        XCTAssertEqual(encodings, 1, "unchanged: encoded once")
        record.state = .running
        XCTAssertEqual(poll(), "running ")
        XCTAssertEqual(poll(["summary.json"]), "running summary.json", "a new artifact file shows")
        record.attempts += 1
        XCTAssertEqual(poll(["summary.json"]), "running summary.json")
        XCTAssertEqual(encodings, 4)
        let other = JobRecord(spec: SweepSpec())
        XCTAssertEqual(String(decoding: cache.body(of: other, artifacts: []) { Array("other".utf8) }, as: UTF8.self), "other",
                       "jobs do not share entries")
    }
}
