import XCTest
@testable import HTTPServer

/// Request framing over a real socket: splitting, pipelining, limits, chunked bodies,
/// smuggling attempts, Expect and persistence (RFC 9112).
final class HTTPFramingTests: XCTestCase {
    private var server: TestServer!

    override func setUpWithError() throws {
        server = try TestServer(configure: { $0.maxBodySize = 1000 }, handler: echoHandler)
    }

    override func tearDown() { server.stop() }

    private func expectRejected(_ request: String, status: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try server.client()
        client.send(request)
        let response = client.readResponse()
        XCTAssertEqual(response?.status, status, "for \(request.debugDescription)", file: file, line: line)
        XCTAssertEqual(response?.headers["Connection"], "close", file: file, line: line)
        XCTAssertTrue(client.serverClosed(), "connection stays open after \(status)", file: file, line: line)
    }

    func testSimpleGetKeepsConnectionAlive() throws {
        let client = try server.client()
        for _ in 0..<3 {
            client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try XCTUnwrap(client.readResponse())
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.headers["X-Path"], "/hello")
            XCTAssertNil(response.headers["Connection"])
            XCTAssertNotNil(response.headers["Date"])
        }
    }

    func testRequestSplitAtEveryByte() throws {
        let request = "POST /split HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        let bytes = Array(request.utf8)
        for split in 1..<bytes.count {
            let client = try server.client()
            client.send(Array(bytes[..<split]))
            usleep(300)
            client.send(Array(bytes[split...]))
            let response = try XCTUnwrap(client.readResponse(), "split at \(split)")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "hello", "split at \(split)")
        }
    }

    func testChunkedRequestByteByByte() throws {
        let client = try server.client()
        client.sendByteByByte("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n")
        let response = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "abcde")
    }

    func testPipelinedRequestsAnsweredInOrder() throws {
        // The first handler is slowest: answers must still come back in request order.
        let slowFirst = try TestServer { request in
            if let delay = request.queryValue("delay").flatMap(Double.init) { usleep(useconds_t(delay * 1000)) }
            return HTTPResponse(status: 200, contentType: "text/plain", body: Array(request.path.utf8))
        }
        defer { slowFirst.stop() }
        let client = try slowFirst.client()
        client.send("GET /one?delay=200 HTTP/1.1\r\nHost: x\r\n\r\nGET /two?delay=50 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /three HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /four HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.text, "/one")
        XCTAssertEqual(client.readResponse()?.text, "/two")
        XCTAssertEqual(client.readResponse()?.text, "/three")
        XCTAssertEqual(client.readResponse()?.text, "/four")
    }

    func testThousandsOfPipelinedRequestsInOneWrite() throws {
        let count = 5000
        let client = try server.client()
        client.send((0..<count).map { "GET /\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
        for index in 0..<count {
            guard let response = client.readResponse() else { return XCTFail("no response \(index)") }
            XCTAssertEqual(response.headers["X-Path"], "/\(index)")
        }
    }

    func testLeadingEmptyLineIsIgnored() throws {
        XCTAssertEqual(try server.exchange("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")?.status, 200)
    }

    func testOversizedRequestLineGives414() throws {
        try expectRejected("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", status: 414)
    }

    func testOversizedHeadGives431() throws {
        let big = (0..<40).map { "X-Filler-\($0): " + String(repeating: "v", count: 1000) + "\r\n" }.joined()
        try expectRejected("GET / HTTP/1.1\r\nHost: x\r\n" + big + "\r\n", status: 431)
    }

    func testTooManyFieldsGives431() throws {
        let fields = (0..<101).map { "X-F\($0): v\r\n" }.joined()
        try expectRejected("GET / HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n", status: 431)
    }

    func testOversizedBodiesGive413() throws {
        try expectRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", status: 413)
        let chunk = String(repeating: "z", count: 600)
        try expectRejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n", status: 413)
        try expectRejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\n", status: 413)
    }

    func testBodyAtTheLimitIsAccepted() throws {
        let body = String(repeating: "b", count: 1000)
        let response = try server.exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + body)
        XCTAssertEqual(response?.status, 200)
        XCTAssertEqual(response?.body.count, 1000)
    }

    func testBadChunkSizesGive400() throws {
        for size in ["zz", "-1", "0x5", " 5", "5 ", "+5", "", "5;\u{1}", "5\u{0B}"] {
            try expectRejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n", status: 400)
        }
        // Chunk data longer than announced, or not followed by CRLF.
        try expectRejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", status: 400)
        // Bare LF after the chunk size.
        try expectRejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", status: 400)
    }

    func testSmugglingAttemptsAreRefused() throws {
        let cases: [(String, Int)] = [
            ("Content-Length: 5\r\nTransfer-Encoding: chunked", 400),
            ("Transfer-Encoding: chunked\r\nContent-Length: 5", 400),
            ("Content-Length: 5\r\nContent-Length: 5", 400),
            ("Content-Length: 5\r\nContent-Length: 6", 400),
            ("Content-Length: 5, 6", 400),
            ("Content-Length: abc", 400),
            ("Content-Length: +5", 400),
            ("Content-Length: -5", 400),
            ("Content-Length: 99999999999999999999999", 400),
            ("Transfer-Encoding: chunked, identity", 400),
            ("Transfer-Encoding: chunked, chunked", 400),
            ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", 400),
            ("Transfer-Encoding: ", 400),
            ("Transfer-Encoding: identity", 501),
            ("Transfer-Encoding: gzip, chunked", 501),
            ("Transfer-Encoding : chunked", 400),
            ("Content-Length : 5", 400),
            ("X-Folded: a\r\n b", 400),
            ("Host: y", 400),
            ("X-Bad\u{0}: 1", 400),
            ("X-Bad: a\u{0}b", 400),
            ("X-Bad: a\rb", 400),
        ]
        for (fields, status) in cases {
            try expectRejected("POST / HTTP/1.1\r\nHost: x\r\n\(fields)\r\n\r\nhello", status: status)
        }
    }

    func testHostRules() throws {
        try expectRejected("GET / HTTP/1.1\r\n\r\n", status: 400)
        try expectRejected("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400)
        XCTAssertEqual(try server.exchange("GET / HTTP/1.0\r\n\r\n")?.status, 200)
        try expectRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400)
    }

    func testMalformedRequestLinesGive400Or505() throws {
        try expectRejected("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", status: 400)
        try expectRejected("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", status: 400)
        try expectRejected("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", status: 400)
        try expectRejected("GET relative HTTP/1.1\r\nHost: x\r\n\r\n", status: 400)
        try expectRejected("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", status: 400)
        try expectRejected("GET / HTTP/1.1\nHost: x\n\n", status: 400)
        try expectRejected("GET / HTTP/2.0\r\nHost: x\r\n\r\n", status: 505)
        try expectRejected("GET / http/1.1\r\nHost: x\r\n\r\n", status: 400)
        try expectRejected("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", status: 400)
        try expectRejected("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}\r\n\r\n", status: 400)
    }

    func testAbsoluteFormTarget() throws {
        let response = try server.exchange("GET http://example.com/abs/path?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        XCTAssertEqual(response?.headers["X-Path"], "/abs/path")
    }

    func testExpectContinueIsAnsweredBeforeTheBody() throws {
        let client = try server.client()
        client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(interim.status, 100)
        client.send("body")
        let final = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(final.status, 200)
        XCTAssertEqual(final.text, "body")
    }

    func testExpectContinueWithTooLargeBodyGives413AndUnknownExpectation417() throws {
        try expectRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n", status: 413)
        try expectRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx", status: 417)
    }

    func testConnectionCloseIsHonoured() throws {
        let client = try server.client()
        client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.headers["Connection"], "close")
        XCTAssertTrue(client.serverClosed())
    }

    func testHTTP10ClosesUnlessKeepAlive() throws {
        let plain = try server.client()
        plain.send("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(plain.readResponse()?.headers["Connection"], "close")
        XCTAssertTrue(plain.serverClosed())

        let keepAlive = try server.client()
        keepAlive.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(keepAlive.readResponse()?.headers["Connection"], "keep-alive")
        keepAlive.send("GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(keepAlive.readResponse()?.headers["X-Path"], "/again")
    }

    func testRequestsBeforeHalfCloseAreAllAnswered() throws {
        let client = try server.client()
        client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        client.shutdownWrite()
        XCTAssertEqual(client.readResponse()?.headers["X-Path"], "/a")
        XCTAssertEqual(client.readResponse()?.headers["X-Path"], "/b")
        XCTAssertTrue(client.serverClosed())
    }

    func testGarbageNeverTakesTheServerDown() throws {
        var generator = SplitMix(seed: 2026)
        for round in 0..<60 {
            let client = try server.client()
            var bytes = (0..<Int(generator.next() % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if round % 2 == 0 { bytes = Array("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8) + bytes }
            client.send(bytes)
            client.shutdownWrite()
            let answer = String(decoding: client.readToEnd(), as: UTF8.self)
            XCTAssertTrue(answer.isEmpty || answer.hasPrefix("HTTP/1.1 "), "round \(round): \(answer.prefix(40))")
        }
        XCTAssertEqual(try server.exchange("GET /alive HTTP/1.1\r\nHost: x\r\n\r\n")?.headers["X-Path"], "/alive")
    }

    func testHeadHasGetsHeadersWithoutBody() throws {
        let client = try server.client()
        client.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try XCTUnwrap(client.readResponse(forHead: true))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["Content-Length"], "0")
        // The next response starts right after the head: no stray body bytes.
        XCTAssertEqual(client.readResponse()?.headers["X-Path"], "/after")
    }
}
