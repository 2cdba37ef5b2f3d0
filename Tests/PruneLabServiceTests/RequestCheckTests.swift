import Foundation
import HTTPServer
import PruneKit
import XCTest
@testable import PruneLabService

/// The small request checks behind POST /jobs and DELETE, case by case.
final class RequestCheckTests: XCTestCase {
    func testBearerValue() {
        XCTAssertEqual(BearerToken.value(of: "Bearer abc"), "abc")
        XCTAssertEqual(BearerToken.value(of: "bearer abc"), "abc", "the scheme is case-insensitive")
        XCTAssertEqual(BearerToken.value(of: "Bearer  abc "), "abc")
        XCTAssertNil(BearerToken.value(of: "Basic abc"))
        XCTAssertNil(BearerToken.value(of: "Bearer"))
        XCTAssertNil(BearerToken.value(of: "abc"))
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(BearerToken.constantTimeEqual("s3cret", "s3cret"))
        XCTAssertFalse(BearerToken.constantTimeEqual("s3cret", "s3creT"))
        XCTAssertFalse(BearerToken.constantTimeEqual("s3cret", "s3cret2"))
        XCTAssertFalse(BearerToken.constantTimeEqual("", "x"))
        XCTAssertTrue(BearerToken.constantTimeEqual("", ""))
    }

    func testRefusalOnlyWhenATokenIsConfigured() {
        let request = HTTPRequest(method: "POST", target: "/jobs", path: "/jobs")
        XCTAssertNil(BearerToken.refusal(of: request, expected: nil))
        XCTAssertEqual(BearerToken.refusal(of: request, expected: "t")?.status, 401)
        var authorized = request
        authorized.headers.add("Authorization", "Bearer t")
        XCTAssertNil(BearerToken.refusal(of: authorized, expected: "t"))
    }

    func testMediaType() {
        XCTAssertEqual(JobsAPI.mediaType(of: "application/json"), "application/json")
        XCTAssertEqual(JobsAPI.mediaType(of: "Application/JSON; charset=utf-8"), "application/json")
        XCTAssertEqual(JobsAPI.mediaType(of: " application/json ;charset=utf-8"), "application/json")
        XCTAssertEqual(JobsAPI.mediaType(of: "text/plain"), "text/plain")
        XCTAssertEqual(JobsAPI.mediaType(of: ""), "")
    }

    func testIdempotencyKeyShape() {
        XCTAssertTrue(JobsAPI.isValidIdempotencyKey("a"))
        XCTAssertTrue(JobsAPI.isValidIdempotencyKey("8e4b3f2a-retry_1~"))
        XCTAssertTrue(JobsAPI.isValidIdempotencyKey(String(repeating: "k", count: 255)))
        XCTAssertFalse(JobsAPI.isValidIdempotencyKey(""))
        XCTAssertFalse(JobsAPI.isValidIdempotencyKey(String(repeating: "k", count: 256)))
        XCTAssertFalse(JobsAPI.isValidIdempotencyKey("has space"))
        XCTAssertFalse(JobsAPI.isValidIdempotencyKey("clé"))
    }

    func testJSONSyntaxProblems() {
        XCTAssertNil(JobsAPI.jsonSyntaxProblem(Data("{}".utf8)))
        XCTAssertNil(JobsAPI.jsonSyntaxProblem(Data("[]".utf8)), "well-formed: the spec check names what is wrong")
        XCTAssertEqual(JobsAPI.jsonSyntaxProblem(Data())?.status, 400)
        XCTAssertTrue(JobsAPI.jsonSyntaxProblem(Data())?.detail.contains("empty") ?? false)
        XCTAssertEqual(JobsAPI.jsonSyntaxProblem(Data("{\"a\": }".utf8))?.type, "urn:prunelab:problem:malformed-json")
    }

    func testFileChecks() {
        var spec = SweepSpec()
        spec.dataset = DatasetSpec(name: .idx, path: "/definitely/not/here")
        XCTAssertEqual(SpecFileChecks.errors(in: spec).map(\.pointer), ["/dataset/path"])
        spec.dataset = DatasetSpec(name: .idx, path: FileManager.default.temporaryDirectory.path)
        XCTAssertEqual(SpecFileChecks.errors(in: spec), [])
        spec.dataset = DatasetSpec(name: .synthetic)
        XCTAssertEqual(SpecFileChecks.errors(in: spec), [])
    }

    func testEventWireFormatSplitsDataLines() {
        let event = JobEvent(kind: .progress, sequence: 7, job: JobRecord(spec: .reference))
        let text = String(decoding: event.encoded(data: Data("{\n\"a\": 1\n}".utf8)), as: UTF8.self)
        XCTAssertEqual(text, "id: 7\nevent: progress\ndata: {\ndata: \"a\": 1\ndata: }\n\n")
    }
}
