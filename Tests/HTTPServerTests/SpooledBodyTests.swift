import Foundation
import XCTest
@testable import HTTPServer

/// Bodies of routes that opt in to spooling: decoded piece by piece, never held whole, limited
/// per route, and never left on disk when they do not complete.
final class SpooledBodyTests: XCTestCase {
    typealias Machine = ConnectionStateMachine

    private let start = ContinuousClock.now
    private func at(_ seconds: Double) -> Machine.Instant { start + .seconds(seconds) }
    private let spoolFolder = URL(fileURLWithPath: "/spool-never-touched-by-these-tests")

    /// `/upload` spools up to `limit` bytes; everything else is in memory.
    private func lookup(limit: Int) -> BodyHandlingLookup {
        let policy = SpoolPolicy(maxBytes: limit, directory: spoolFolder)
        return { method, target in method == .post && target == "/upload" ? .spooled(policy) : .inMemory }
    }

    // MARK: The decoder

    /// Every event the parser gives for `text`, fed `step` bytes at a time.
    private func events(_ text: String, limit: Int, step: Int = 1 << 20) throws -> [String] {
        var parser = RequestParser(limits: ParserLimits(), bodyHandling: lookup(limit: limit))
        var buffer = ByteBuffer()
        var log: [String] = []
        let bytes = Array(text.utf8)
        var offset = 0
        while true {
            switch try parser.parse(&buffer) {
            case .needMore:
                guard offset < bytes.count else { return log }
                buffer.append(bytes[offset..<min(bytes.count, offset + step)])
                offset += step
            case .sendContinue: log.append("continue")
            case .spoolBegins(_, let policy, let sendContinue):
                log.append("spool \(policy.maxBytes)\(sendContinue ? " +continue" : "")")
            case .bodyBytes(let piece): log.append("bytes \(String(decoding: piece, as: UTF8.self))")
            case .request(let request):
                log.append("request \(request.head.target) spooled=\(request.spooledByteCount.map(String.init) ?? "-") memory=\(request.body.count)")
            }
        }
    }

    private func post(_ target: String, _ body: String, fields: String = "") -> String {
        "POST \(target) HTTP/1.1\r\nHost: x\r\n\(fields)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    func testABodyOfExactlyTheLimitIsSpooledInPieces() throws {
        let text = post("/upload", "abcdef")
        // The first read ends two bytes into the body.
        XCTAssertEqual(try events(text, limit: 6, step: text.utf8.count - 4),
                       ["spool 6", "bytes ab", "bytes cdef", "request /upload spooled=6 memory=0"])
    }

    func testOneByteOverTheLimitIs413BeforeAnyByteIsRead() {
        XCTAssertThrowsError(try events(post("/upload", "abcdefg"), limit: 6)) { error in
            XCTAssertEqual(error as? HTTPParseError, HTTPParseError(413, "request body larger than 6 bytes"))
        }
    }

    func testTheRouteLimitIsNotTheServerLimit() throws {
        // The in-memory limit (1 MiB) does not apply to a spooled route with a larger one.
        let big = String(repeating: "x", count: (1 << 20) + 1)
        XCTAssertEqual(try events(post("/upload", big), limit: 2 << 20).last, "request /upload spooled=1048577 memory=0")
        XCTAssertThrowsError(try events(post("/other", big), limit: 2 << 20))
    }

    func testChunkedWithExtensionsAndTrailersIsSpooledWithoutItsFraming() throws {
        let text = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;name=\"v;x\"\r\nabc\r\n2 ; ext\r\nde\r\n0;last\r\nX-Trailer: t\r\n\r\n"
        XCTAssertEqual(try events(text, limit: 5),
                       ["spool 5", "bytes abc", "bytes de", "request /upload spooled=5 memory=0"])
        // Byte by byte, a chunk comes out as one piece per byte and the framing still never leaks.
        let pieces = try events(text, limit: 5, step: 1).filter { $0.hasPrefix("bytes") }
        XCTAssertEqual(pieces.map { $0.dropFirst(6) }.joined(), "abcde")
    }

    func testChunkedOneByteOverTheLimitIs413AtTheChunkThatCrossesIt() {
        let text = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"
        var parser = RequestParser(limits: ParserLimits(), bodyHandling: lookup(limit: 5))
        var buffer = ByteBuffer()
        buffer.append(Array(text.utf8))
        guard case .spoolBegins = try? parser.parse(&buffer), case .bodyBytes(let first)? = try? parser.parse(&buffer) else {
            return XCTFail("the first chunk is spooled")
        }
        XCTAssertEqual(first, Array("abc".utf8))
        XCTAssertThrowsError(try parser.parse(&buffer)) { error in
            XCTAssertEqual((error as? HTTPParseError)?.status, 413)
        }
    }

    func testARequestAfterASpooledOneIsHeldInMemoryAgain() throws {
        XCTAssertEqual(try events(post("/upload", "ab") + post("/other", "cd"), limit: 6),
                       ["spool 6", "bytes ab", "request /upload spooled=2 memory=0", "request /other spooled=- memory=2"])
    }

    func testExpectContinueIsAnsweredOnlyWhenTheBodyFits() throws {
        let head = "POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        XCTAssertEqual(try events(head, limit: 4), ["spool 4 +continue"])
        XCTAssertThrowsError(try events(head, limit: 3)) { error in
            XCTAssertEqual((error as? HTTPParseError)?.status, 413, "no 100 Continue for a body that will be refused")
        }
    }

    // MARK: The state machine, with a spool in memory standing in for the file

    private func makeMachine(limit: Int) -> Machine {
        let timeouts = Machine.Timeouts(head: .seconds(10), body: .seconds(30), idle: .seconds(15), write: .seconds(20))
        return Machine(limits: ParserLimits(), timeouts: timeouts, now: at(0), bodyHandling: lookup(limit: limit))
    }

    /// Carries out actions as `Connection` does, on `file` (nil: no file), until the machine
    /// waits; returns the actions in order.
    private func run(_ first: Machine.Action, _ machine: inout Machine, file: inout [UInt8]?, at now: Machine.Instant) -> [String] {
        var log: [String] = []
        var action = first
        while true {
            log.append(action.summary)
            switch action {
            case .openSpool:
                file = []
                action = machine.spoolReady(at: now)
            case .appendToSpool(let bytes):
                file? += bytes
                action = machine.spoolReady(at: now)
            case .discardSpool(let then):
                file = nil
                action = then
            case .wait, .handle, .answer, .shutdownOutput, .close:
                return log
            }
        }
    }

    func testAContentLengthBodyArrivesInTheFileAndTheHandlerGetsItsSize() {
        var machine = makeMachine(limit: 10)
        var file: [UInt8]?
        let head = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\nabc"
        XCTAssertEqual(run(machine.received(Array(head.utf8), at: at(1)), &machine, file: &file, at: at(1)),
                       ["openSpool", "appendToSpool abc", "wait"])
        XCTAssertEqual(machine.spool, .open(written: 3))
        let last = machine.received(Array("defg".utf8), at: at(2))
        XCTAssertEqual(last.summary, "appendToSpool defg")
        guard case .handle(let request) = machine.spoolReady(at: at(2)) else { return XCTFail("the request is complete") }
        XCTAssertEqual(request.spooledByteCount, 7)
        XCTAssertTrue(request.body.isEmpty, "nothing of a spooled body is held in memory")
        file? += Array("defg".utf8)
        XCTAssertEqual(file, Array("abcdefg".utf8))
        XCTAssertEqual(machine.spool, .none, "the file belongs to the exchange now")
    }

    func testAClientThatLeavesMidBodyLeavesNoFile() {
        var machine = makeMachine(limit: 100)
        var file: [UInt8]?
        let head = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nabc"
        _ = run(machine.received(Array(head.utf8), at: at(1)), &machine, file: &file, at: at(1))
        XCTAssertNotNil(file)
        XCTAssertEqual(run(machine.inputEnded(at: at(2)), &machine, file: &file, at: at(2)), ["discardSpool, then close", "close"])
        XCTAssertNil(file)
        XCTAssertEqual(machine.state, .closed)
    }

    func testChunkedOverTheLimitDiscardsTheFileAndAnswers413() {
        var machine = makeMachine(limit: 5)
        var file: [UInt8]?
        let text = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n3\r\ndef\r\n"
        XCTAssertEqual(run(machine.received(Array(text.utf8), at: at(1)), &machine, file: &file, at: at(1)),
                       ["openSpool", "appendToSpool abc", "discardSpool, then answer 413", "answer 413"])
        XCTAssertNil(file)
        XCTAssertEqual(machine.persistence, .closeAfterResponse)
    }

    func testExpectContinueGoesOutOnceTheFileIsBeingWritten() {
        var machine = makeMachine(limit: 10)
        var file: [UInt8]?
        let head = "POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
        XCTAssertEqual(run(machine.received(Array(head.utf8), at: at(1)), &machine, file: &file, at: at(1)), ["openSpool", "wait"])
        XCTAssertEqual(machine.withPendingOutput { Array($0) }, Machine.continueResponse)
        _ = machine.wrote(Machine.continueResponse.count, at: at(1))
        XCTAssertEqual(run(machine.received(Array("hi".utf8), at: at(2)), &machine, file: &file, at: at(2)),
                       ["appendToSpool hi", "handle POST /upload"])

        var refused = makeMachine(limit: 1)
        XCTAssertEqual(refused.received(Array(head.utf8), at: at(1)).summary, "answer 413")
        XCTAssertFalse(refused.hasPendingOutput, "no 100 Continue before a 413")
    }

    func testEachPieceOnDiskRestartsTheBodyTimeoutAndSilenceEndsIt() {
        var machine = makeMachine(limit: 100)
        var file: [UInt8]?
        let head = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\na"
        _ = run(machine.received(Array(head.utf8), at: at(1)), &machine, file: &file, at: at(1))
        _ = run(machine.received(Array("b".utf8), at: at(25)), &machine, file: &file, at: at(25))
        XCTAssertEqual(machine.nextDeadline(), Machine.Deadline(instant: at(55), kind: .body))
        XCTAssertEqual(machine.timerFired(at: at(40)).summary, "wait", "moving uploads are not cut off")
        XCTAssertEqual(run(machine.timerFired(at: at(56)), &machine, file: &file, at: at(56)),
                       ["discardSpool, then answer 408", "answer 408"])
        XCTAssertNil(file)
    }

    func testAFileThatCannotBeWrittenFailsTheRequest() {
        var machine = makeMachine(limit: 100)
        let head = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab"
        XCTAssertEqual(machine.received(Array(head.utf8), at: at(1)).summary, "openSpool")
        XCTAssertEqual(machine.spoolFailed("disk full", at: at(1)).summary, "discardSpool, then answer 500")
    }

    // MARK: Over a socket

    func testUploadsOverLoopbackGoToDiskAndNeverStayWhenRefusedOrAbandoned() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let router = Router()
        router.add(.post, "/upload", body: .spooled(SpoolPolicy(maxBytes: 300_000, directory: folder))) { request in
            guard let spooled = request.spooledBody else { return HTTPResponse(status: 500) }
            let stored = try Data(contentsOf: spooled.file)
            var headers = HTTPHeaders()
            headers.set("X-Spooled", String(spooled.byteCount))
            headers.set("X-In-Memory", String(request.body.count))
            return HTTPResponse(status: 200, contentType: "application/octet-stream", body: Array(stored), headers: headers)
        }
        router.add(.post, "/small") { HTTPResponse(status: 200, contentType: "text/plain", body: Array(String($0.body.count).utf8)) }
        let table = router.table
        let server = try TestServer(bodyHandling: { table.bodyHandling(method: $0, target: $1) }, handler: router.handler)
        defer { server.stop() }
        func leftovers() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] }

        let body = (0..<250_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let client = try server.client()
        client.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        let response = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, body)
        XCTAssertEqual(response.headers["X-Spooled"], "250000")
        XCTAssertEqual(response.headers["X-In-Memory"], "0")
        XCTAssertEqual(leftovers(), [], "the server removes the file once the handler returns")

        client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwiki\r\n0\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.body, Array("wiki".utf8), "chunked, on the same connection")
        XCTAssertEqual(try server.exchange("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")?.status, 200)

        let tooLarge = try XCTUnwrap(try server.exchange("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 300001\r\n\r\n"))
        XCTAssertEqual(tooLarge.status, 413)
        XCTAssertEqual(tooLarge.headers["Content-Type"], "application/problem+json")
        XCTAssertTrue(String(decoding: tooLarge.body, as: UTF8.self).contains("300000 bytes"), "the problem names the limit")

        let chunkedOver = try server.client()
        chunkedOver.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n30000\r\n")
        chunkedOver.send([UInt8](repeating: 7, count: 0x30000))
        chunkedOver.send("\r\n30000\r\n")
        XCTAssertEqual(chunkedOver.readResponse()?.status, 413)

        let leaving = try server.client()
        leaving.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n".utf8) + [UInt8](repeating: 1, count: 100_000))
        try waitFor("the partial body on disk") { !leftovers().isEmpty }
        leaving.close()
        try waitFor("the abandoned body removed") { leftovers().isEmpty }
        XCTAssertEqual(leftovers(), [])
    }

    private func waitFor(_ what: String, timeout: TimeInterval = 5, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { throw WaitTimedOut(what: what) }
            usleep(10_000)
        }
    }
}

private struct WaitTimedOut: Error { var what: String }
