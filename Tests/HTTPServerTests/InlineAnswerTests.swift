import Foundation
import XCTest
@testable import HTTPServer

/// Answers made on the socket's event thread (`inlineHandler`): the same bytes as the queued
/// path, in request order, and never held up by a peer that does not read.
final class InlineAnswerTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("inline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("examples"), withIntermediateDirectories: true)
        try Data(String(repeating: "<svg>chart</svg>\n", count: 400).utf8).write(to: folder.appendingPathComponent("examples/chart.svg"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// `/fast` inline, `/slow` queued (it sleeps), `/big` inline with a 16 MB body, static files.
    private func makeRouter(big: [UInt8] = []) -> Router {
        let router = Router()
        router.add("GET", "/fast", execution: .inline) { request in
            HTTPResponse(status: 200, contentType: "text/plain", body: Array("fast \(request.queryValue("n") ?? "")".utf8))
        }
        router.add("GET", "/slow") { request in
            usleep(50_000)
            return HTTPResponse(status: 200, contentType: "text/plain", body: Array("slow \(request.queryValue("n") ?? "")".utf8))
        }
        router.add("GET", "/big", execution: .inline) { _ in
            HTTPResponse(status: 200, contentType: "application/octet-stream", body: big)
        }
        router.mountStatic(StaticFiles(root: folder))
        return router
    }

    /// The raw bytes of one exchange (the connection closes after it), without the Date field.
    private func rawExchange(_ server: TestServer, _ request: String) throws -> String {
        let client = try server.client()
        client.send(request)
        let text = String(decoding: client.readToEnd(), as: UTF8.self)
        return text.split(separator: "\r\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Date: ") }.joined(separator: "\r\n")
    }

    func testInlineAnswersAreByteIdenticalToQueuedOnes() throws {
        let router = makeRouter()
        let inline = try TestServer(inlineHandler: router.inlineHandler, handler: router.handler)
        defer { inline.stop() }
        let queued = try TestServer(handler: router.handler)
        defer { queued.stop() }
        let requests = [
            "GET /examples/chart.svg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /examples/chart.svg HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
            "GET /examples/chart.svg HTTP/1.1\r\nHost: x\r\nRange: bytes=10-99\r\nConnection: close\r\n\r\n",
            "HEAD /examples/chart.svg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /fast?n=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /fast?n=2 HTTP/1.0\r\n\r\n",
            "GET /missing.svg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ]
        // Twice: the first static request reads the file (queued), the later ones come from the cache inline.
        for request in requests + requests {
            let a = try rawExchange(inline, request), b = try rawExchange(queued, request)
            XCTAssertFalse(a.isEmpty)
            XCTAssertEqual(a, b, request)
        }
        XCTAssertEqual(inline.log.lines.count, queued.log.lines.count, "every inline answer is logged too")
    }

    func testRespondInlineAnswersOnlyWhatCannotBlock() throws {
        let table = makeRouter().table
        let fast = try XCTUnwrap(try table.respondInline(to: HTTPRequest(method: .get, target: "/fast?n=3", path: "/fast", query: [("n", "3")])))
        XCTAssertEqual(fast.status, 200)
        XCTAssertNil(try table.respondInline(to: HTTPRequest(method: .get, target: "/slow", path: "/slow")), "a queued route")
        XCTAssertNil(try table.respondInline(to: HTTPRequest(method: .post, target: "/fast", path: "/fast")), "405 is the queue's answer")
        let file = HTTPRequest(method: .get, target: "/examples/chart.svg", path: "/examples/chart.svg")
        XCTAssertNil(try table.respondInline(to: file), "not read yet: the disk read goes to the queue")
        XCTAssertEqual(try table.respond(to: file).status, 200)
        XCTAssertEqual(try table.respondInline(to: file)?.status, 200, "now in memory")
        try Data("changed".utf8).write(to: folder.appendingPathComponent("examples/chart.svg"))
        XCTAssertNil(try table.respondInline(to: file), "a changed file is read again, on the queue")
    }

    func testPipelinedInlineAndQueuedRequestsAreAnsweredInOrder() throws {
        let router = makeRouter()
        let server = try TestServer(inlineHandler: router.inlineHandler, handler: router.handler)
        defer { server.stop() }
        _ = try server.exchange("GET /examples/chart.svg HTTP/1.1\r\nHost: x\r\n\r\n")   // into the cache
        let client = try server.client()
        let paths = ["/slow?n=1", "/fast?n=2", "/examples/chart.svg", "/slow?n=4", "/fast?n=5", "/fast?n=6"]
        client.send(paths.map { "GET \($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
        var bodies: [String] = []
        for _ in paths { bodies.append(try XCTUnwrap(client.readResponse()).text) }
        XCTAssertEqual(bodies[0], "slow 1")
        XCTAssertEqual(bodies[1], "fast 2")
        XCTAssertTrue(bodies[2].hasPrefix("<svg>"))
        XCTAssertEqual(Array(bodies[3...]), ["slow 4", "fast 5", "fast 6"])
    }

    func testPeerThatDoesNotReadHoldsUpNoOtherConnection() throws {
        let big = (0..<(16 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let router = makeRouter(big: big)
        let server = try TestServer(inlineHandler: router.inlineHandler, handler: router.handler)
        defer { server.stop() }
        let stalled = try server.client(receiveTimeout: 10)
        stalled.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")   // answered inline, then not read
        usleep(100_000)
        // Connections go to the loops in turn, so some of these share the stalled one's loop.
        for n in 0..<(2 * EventLoop.shared.count + 1) {
            let started = Date()
            let response = try XCTUnwrap(try server.exchange("GET /fast?n=\(n) HTTP/1.1\r\nHost: x\r\n\r\n"))
            XCTAssertEqual(response.text, "fast \(n)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 2, "not behind the stalled peer")
        }
        let response = try XCTUnwrap(stalled.readResponse())
        XCTAssertEqual(response.body.count, big.count)
        XCTAssertTrue(response.body == big, "the rest went out on later writable edges")
    }
}
