import XCTest
@testable import HTTPServer

/// Routing over a real server: parameters, query decoding, 404, 405 with Allow, HEAD, 500.
final class RouterTests: XCTestCase {
    private var server: TestServer!

    override func setUpWithError() throws {
        let router = Router()
        router.add("GET", "/jobs") { _ in HTTPResponse(status: 200, contentType: "text/plain", body: Array("list".utf8)) }
        router.add("POST", "/jobs") { _ in HTTPResponse(status: 202, contentType: "text/plain", body: Array("made".utf8)) }
        router.add("GET", "/jobs/{id}") { request in
            let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
            return HTTPResponse(status: 200, contentType: "text/plain",
                                body: Array("id=\(request.pathParameters["id"] ?? "?") path=\(request.path) query=\(query)".utf8))
        }
        router.add("DELETE", "/jobs/{id}") { _ in HTTPResponse(status: 204) }
        router.add("GET", "/jobs/{id}/files/{name}") { request in
            HTTPResponse(status: 200, contentType: "text/plain",
                         body: Array("\(request.pathParameters["id"] ?? "")|\(request.pathParameters["name"] ?? "")".utf8))
        }
        router.add("POST", "/jobs/{id}/files/cancel") { _ in HTTPResponse(status: 202) }
        router.add("GET", "/boom") { _ in throw CocoaError(.fileReadCorruptFile) }
        server = try TestServer(handler: router.handler)
    }

    override func tearDown() { server.stop() }

    private func get(_ target: String, method: String = "GET") throws -> RawResponse? {
        try server.exchange("\(method) \(target) HTTP/1.1\r\nHost: x\r\n\r\n", head: method == "HEAD")
    }

    func testLiteralAndParameterRoutes() throws {
        XCTAssertEqual(try get("/jobs")?.text, "list")
        XCTAssertEqual(try get("/jobs/42")?.text, "id=42 path=/jobs/42 query=")
        XCTAssertEqual(try get("/jobs/7/files/results.csv")?.text, "7|results.csv")
        XCTAssertEqual(try server.exchange("POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")?.status, 202)
    }

    func testPercentDecodingHappensExactlyOnce() throws {
        XCTAssertEqual(try get("/jobs/a%2541")?.text, "id=a%41 path=/jobs/a%41 query=")
        XCTAssertEqual(try get("/jobs/%C3%A9t%C3%A9")?.text, "id=été path=/jobs/été query=")
        // An encoded slash stays inside its segment.
        XCTAssertEqual(try get("/jobs/a%2Fb")?.text, "id=a/b path=/jobs/a/b query=")
    }

    func testPathSegmentsSplitOnRawSlashesAndDecodeEachOnce() {
        let cases: [(String, [String]?)] = [
            ("/", [""]), ("/jobs", ["jobs"]), ("/jobs/", ["jobs", ""]), ("//jobs", ["", "jobs"]),
            ("/jobs/7/files/a.csv", ["jobs", "7", "files", "a.csv"]), ("/jobs/7?x=/y", ["jobs", "7"]),
            ("/a%2Fb/c", ["a/b", "c"]), ("/%C3%A9t%C3%A9", ["été"]), ("/a+b", ["a+b"]), ("/a%2541", ["a%41"]),
            ("http://host:8080/jobs/7?q", ["jobs", "7"]), ("http://host", [""]),
            ("/a%", nil), ("/a%4", nil), ("/%G1", nil), ("/%FF", nil),
        ]
        for (target, expected) in cases {
            XCTAssertEqual(RouteTable.segments(of: target), expected, target)
        }
    }

    func testQueryParsing() throws {
        XCTAssertEqual(try get("/jobs/1?state=running&name=a+b%26c&flag&empty=")?.text,
                       "id=1 path=/jobs/1 query=state=running&name=a b&c&flag=&empty=")
        XCTAssertEqual(try get("/jobs/1?bad=%G1")?.status, 400)
    }

    func testUnknownPathGives404Problem() throws {
        let response = try XCTUnwrap(try get("/nothing/here"))
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.headers["Content-Type"], "application/problem+json")
        let document = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        XCTAssertEqual(document?["status"] as? Int, 404)
        XCTAssertEqual(document?["title"] as? String, "Not Found")
        XCTAssertNotNil(document?["detail"] as? String)
        XCTAssertEqual(try get("/jobs/")?.status, 404, "an empty segment is no parameter")
    }

    func testWrongMethodGives405WithAllow() throws {
        let response = try XCTUnwrap(try get("/jobs/1", method: "PUT"))
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.headers["Allow"], "DELETE, GET, HEAD")
        XCTAssertEqual(try get("/jobs", method: "PATCH")?.headers["Allow"], "GET, HEAD, POST")
    }

    /// A literal segment names its own resource: GET of /jobs/1/files/cancel is not the
    /// parameter route's file "cancel", and its Allow lists only that resource's methods.
    func testALiteralBeatsAParameterAndAllowNamesOneResource() throws {
        let wrong = try XCTUnwrap(try get("/jobs/1/files/cancel"))
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.headers["Allow"], "POST")
        XCTAssertEqual(try get("/jobs/1/files/cancel", method: "POST")?.status, 202)
        XCTAssertEqual(String(decoding: try XCTUnwrap(try get("/jobs/1/files/cancelled")).body, as: UTF8.self), "1|cancelled")
    }

    func testHeadUsesTheGetRouteWithoutBody() throws {
        let full = try XCTUnwrap(try get("/jobs/9"))
        let client = try server.client()
        client.send("HEAD /jobs/9 HTTP/1.1\r\nHost: x\r\n\r\nGET /jobs HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try XCTUnwrap(client.readResponse(forHead: true))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["Content-Length"], full.headers["Content-Length"])
        XCTAssertEqual(client.readResponse()?.text, "list", "HEAD must not send a body")
    }

    func testNoContentResponseHasNoBodyOrLength() throws {
        let client = try server.client()
        client.send("DELETE /jobs/3 HTTP/1.1\r\nHost: x\r\n\r\nGET /jobs HTTP/1.1\r\nHost: x\r\n\r\n")
        let deleted = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(deleted.status, 204)
        XCTAssertNil(deleted.headers["Content-Length"])
        XCTAssertEqual(client.readResponse()?.text, "list")
    }

    func testThrowingHandlerGives500AndServerGoesOn() throws {
        let client = try server.client()
        client.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
        let failed = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(failed.status, 500)
        XCTAssertEqual(failed.headers["Content-Type"], "application/problem+json")
        client.send("GET /jobs HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.text, "list", "same connection still served")
    }

    func testAccessLogHasOneLinePerRequest() throws {
        _ = try get("/jobs/5?secret=1")
        _ = try get("/missing")
        let deadline = Date().addingTimeInterval(2)
        while server.log.lines.count < 2 && Date() < deadline { usleep(1000) }
        let lines = server.log.lines
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("127.0.0.1:"), lines[0])
        XCTAssertTrue(lines[0].contains(" GET /jobs/5 200 "), lines[0])
        XCTAssertFalse(lines[0].contains("secret"), "the query stays out of the log")
        XCTAssertTrue(lines[0].hasSuffix("ms"), lines[0])
        XCTAssertTrue(lines[1].contains(" GET /missing 404 "), lines[1])
    }

    func testHandlerHeadersCannotSplitTheResponse() throws {
        let evil = try TestServer { _ in
            var headers = HTTPHeaders()
            headers.add("X-Evil", "a\r\nSet-Cookie: owned=1")
            headers.add("X-Fine", "ok")
            return HTTPResponse(status: 200, headers: headers)
        }
        defer { evil.stop() }
        let response = try XCTUnwrap(try evil.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        XCTAssertNil(response.headers["Set-Cookie"])
        XCTAssertNil(response.headers["X-Evil"])
        XCTAssertEqual(response.headers["X-Fine"], "ok")
    }
}
