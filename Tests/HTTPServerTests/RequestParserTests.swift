import XCTest
@testable import HTTPServer

/// The parser in-process, on odd inputs that are awkward to provoke over a socket.
final class RequestParserTests: XCTestCase {
    private func parseAll(_ text: String, maxBody: Int = 1 << 20) throws -> [ParsedRequest] {
        var limits = ParserLimits()
        limits.maxBody = maxBody
        var parser = RequestParser(limits: limits)
        var buffer = ByteBuffer()
        buffer.append(Array(text.utf8))
        var requests: [ParsedRequest] = []
        while case .request(let request) = try parser.parse(&buffer) { requests.append(request) }
        return requests
    }

    private func expectError(_ text: String, _ status: HTTPStatus, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parseAll(text), file: file, line: line) { error in
            XCTAssertEqual((error as? HTTPParseError)?.status, status, "\(text.debugDescription): \(error)", file: file, line: line)
        }
    }

    func testFieldValuesAreTrimmedAndNamesKeepTheirCase() throws {
        let request = try XCTUnwrap(try parseAll("GET / HTTP/1.1\r\nHost: x\r\nX-Thing: \t a b \t\r\n\r\n").first)
        XCTAssertEqual(request.head.headers["x-thing"], "a b")
        XCTAssertEqual(request.head.headers.fields.last?.name, "X-Thing")
    }

    func testEveryPrefixOfAValidRequestAsksForMore() throws {
        let text = "POST /p?q=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n0\r\n\r\n"
        let bytes = Array(text.utf8)
        for end in 0..<bytes.count {
            var parser = RequestParser(limits: ParserLimits())
            var buffer = ByteBuffer()
            buffer.append(Array(bytes[..<end]))
            guard case .needMore = try parser.parse(&buffer) else { return XCTFail("complete after \(end) bytes") }
            buffer.append(Array(bytes[end...]))
            guard case .request(let request) = try parser.parse(&buffer) else { return XCTFail("incomplete at \(end)") }
            XCTAssertEqual(request.body, Array("wiki".utf8))
        }
    }

    func testPipelinedRequestsStayInTheBuffer() throws {
        let requests = try parseAll("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.0\r\n\r\n")
        XCTAssertEqual(requests.map(\.head.target), ["/a", "/b", "/c"])
        XCTAssertEqual(requests[1].body, Array("hi".utf8))
        XCTAssertEqual(requests.map(\.head.keepAlive), [true, true, false])
    }

    func testPersistenceRules() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        ]
        for (text, keepAlive) in cases {
            XCTAssertEqual(try parseAll(text).first?.head.keepAlive, keepAlive, text)
        }
    }

    func testChunkExtensionsAndTrailersAreAcceptedButDoNotReachHeaders() throws {
        let request = try XCTUnwrap(try parseAll("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "a;name=\"v\";flag\r\n0123456789\r\nA \t;x\r\n0123456789\r\n0\r\nContent-Length: 5\r\n\r\n").first)
        XCTAssertEqual(request.body.count, 20)
        XCTAssertNil(request.head.headers["Content-Length"], "trailers never merge into the head")
        XCTAssertEqual(request.head.framing, .chunked)
    }

    func testChunkSizeParsing() throws {
        XCTAssertEqual(try RequestParser.chunkSize(ArraySlice("1aF".utf8), maxBody: 1 << 20), 0x1AF)
        XCTAssertEqual(try RequestParser.chunkSize(ArraySlice("0000000000000000000010".utf8), maxBody: 100), 16, "leading zeros are fine")
        for bad in ["", "g", "0x1", " 1", "1 x", "1;\u{7F}", "-0"] {
            XCTAssertThrowsError(try RequestParser.chunkSize(ArraySlice(bad.utf8), maxBody: 100), bad)
        }
        XCTAssertThrowsError(try RequestParser.chunkSize(ArraySlice("65".utf8), maxBody: 100)) { error in
            XCTAssertEqual((error as? HTTPParseError)?.status, 413)
        }
    }

    func testLimitsAreExactlyAtTheBoundary() throws {
        let target = "/" + String(repeating: "a", count: 8 * 1024 - "GET  HTTP/1.1".count - 1)
        XCTAssertEqual(try parseAll("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n").count, 1, "8 KB request line")
        expectError("GET \(target)a HTTP/1.1\r\nHost: x\r\n\r\n", 414)
        let hundred = (0..<99).map { "X-\($0): v\r\n" }.joined()
        XCTAssertEqual(try parseAll("GET / HTTP/1.1\r\nHost: x\r\n\(hundred)\r\n").count, 1, "100 fields")
        expectError("GET / HTTP/1.1\r\nHost: x\r\n\(hundred)X-Last: v\r\n\r\n", 431)
        XCTAssertEqual(try parseAll("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789", maxBody: 10).count, 1)
        XCTAssertThrowsError(try parseAll("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", maxBody: 10))
    }

    func testOddButValidInputs() throws {
        XCTAssertEqual(try parseAll("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").first?.head.target, "*")
        XCTAssertEqual(try parseAll("GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n\r\n").first?.head.headers["X-Empty"], "")
        XCTAssertEqual(try parseAll("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").first?.head.framing, BodyFraming.none)
        XCTAssertEqual(try parseAll("GET / HTTP/1.1\r\nHost: x\r\nX-Latin: caf\u{E9}\r\n\r\n").count, 1, "obs-text is allowed in values")
        XCTAssertEqual(try parseAll("GET / HTTP/1.9\r\nHost: x\r\n\r\n").first?.head.minorVersion, 1, "later 1.x minors are 1.1")
        XCTAssertEqual(try parseAll("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").count, 1)
    }

    func testMalformedInputs() {
        expectError("G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        expectError("GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        expectError("GET / HTTP/1.1\r\n: novalue\r\nHost: x\r\n\r\n", 400)
        expectError("GET / HTTP/1.1\r\nNoColon\r\nHost: x\r\n\r\n", 400)
        expectError("GET / HTTP/1.1\r\nHo\u{E9}st: x\r\n\r\n", 400)
        expectError("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue, x\r\nContent-Length: 1\r\n\r\nx", 417)
        expectError("GET / HTTP/11\r\nHost: x\r\n\r\n", 400)
        expectError("GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505)
        expectError("GET /\u{7F} HTTP/1.1\r\nHost: x\r\n\r\n", 400)
    }

    func testParserStaysFailed() throws {
        var parser = RequestParser(limits: ParserLimits())
        var buffer = ByteBuffer()
        buffer.append(Array("BAD\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        XCTAssertThrowsError(try parser.parse(&buffer))
        XCTAssertThrowsError(try parser.parse(&buffer), "no request is read after a framing error")
    }
}
