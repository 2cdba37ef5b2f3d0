import XCTest
@testable import HTTPServer

/// The connection's protocol decisions without a socket or a clock: bytes and instants go in,
/// actions, output and deadlines come out.
final class ConnectionStateMachineTests: XCTestCase {
    typealias Machine = ConnectionStateMachine

    private let start = ContinuousClock.now
    private func at(_ seconds: Double) -> Machine.Instant { start + .seconds(seconds) }

    private func makeMachine(maxBody: Int = 1 << 20) -> Machine {
        var limits = ParserLimits()
        limits.maxBody = maxBody
        let timeouts = Machine.Timeouts(head: .seconds(10), body: .seconds(30), idle: .seconds(15), write: .seconds(20))
        return Machine(limits: limits, timeouts: timeouts, now: at(0))
    }

    private func get(_ path: String, _ fields: String = "") -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\(fields)\r\n".utf8)
    }

    /// Takes what the socket would write, in full, and reports it written.
    private func writeAll(_ machine: inout Machine, at now: Machine.Instant) -> (text: String, next: String) {
        let bytes = machine.withPendingOutput { Array($0) }
        let next = machine.wrote(bytes.count, at: now)
        return (String(decoding: bytes, as: UTF8.self), next.summary)
    }

    private func respond(_ machine: inout Machine, _ text: String, keepAlive: Bool = true, at now: Machine.Instant) -> String {
        machine.responseReady(head: Array(text.utf8), keepAlive: keepAlive, at: now).summary
    }

    // MARK: Requests and pipelining

    func testOneExchangeKeepsTheConnectionOpen() {
        var machine = makeMachine()
        XCTAssertEqual(machine.received(get("/a"), at: at(1)).summary, "handle GET /a")
        XCTAssertEqual(machine.state, .handling)
        XCTAssertNil(machine.nextDeadline(), "no timeout while the handler runs with nothing to send")
        XCTAssertEqual(respond(&machine, "A", at: at(2)), "wait")
        XCTAssertEqual(writeAll(&machine, at: at(2)).text, "A")
        XCTAssertEqual(machine.state, .idle(since: at(2)))
        XCTAssertEqual(machine.persistence, .keepAlive)
    }

    func testPipelinedRequestsAreHandledOneAtATimeInOrder() {
        var machine = makeMachine()
        let both = get("/a") + Array("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi".utf8) + get("/c")
        XCTAssertEqual(machine.received(both, at: at(1)).summary, "handle GET /a")
        XCTAssertEqual(machine.received(get("/d"), at: at(1)).summary, "wait", "later requests wait for the one in flight")
        XCTAssertEqual(respond(&machine, "A", at: at(2)), "handle POST /b")
        XCTAssertEqual(respond(&machine, "B", at: at(2)), "handle GET /c")
        XCTAssertEqual(respond(&machine, "C", at: at(2)), "handle GET /d")
        XCTAssertEqual(respond(&machine, "D", at: at(2)), "wait")
        XCTAssertEqual(writeAll(&machine, at: at(3)).text, "ABCD", "responses leave in request order")
    }

    func testRequestsAfterConnectionCloseAreNotRead() {
        var machine = makeMachine()
        XCTAssertEqual(machine.received(get("/a", "Connection: close\r\n") + get("/b"), at: at(1)).summary, "handle GET /a")
        XCTAssertEqual(respond(&machine, "A", keepAlive: false, at: at(1)), "wait", "the response is still to be written")
        XCTAssertEqual(writeAll(&machine, at: at(1)).next, "shutdownOutput")
        XCTAssertEqual(machine.state, .lingering(since: at(1)))
        XCTAssertEqual(machine.received(get("/c"), at: at(1)).summary, "wait", "input is only drained now")
        XCTAssertEqual(machine.inputEnded(at: at(1.5)).summary, "close")
        XCTAssertTrue(machine.isClosed)
    }

    func testFullOutputStopsParsingUntilThePeerReads() {
        var machine = makeMachine()
        XCTAssertEqual(machine.received(get("/big") + get("/next"), at: at(1)).summary, "handle GET /big")
        let big = [UInt8](repeating: 65, count: Machine.outputHighWater)
        XCTAssertEqual(machine.responseReady(head: [], body: big, keepAlive: true, at: at(1)).summary, "wait",
                       "no further request while the output is full")
        XCTAssertEqual(machine.wrote(1, at: at(2)).summary, "handle GET /next")
    }

    func testInputBackpressure() {
        var machine = makeMachine()
        XCTAssertTrue(machine.wantsInput)
        _ = machine.received(get("/a"), at: at(1))
        _ = machine.received([UInt8](repeating: 65, count: Machine.inputHighWater), at: at(1))
        XCTAssertFalse(machine.wantsInput, "pipelined input beyond the high-water mark pauses reading")
    }

    // MARK: Half-close

    func testRequestsBeforeHalfCloseAreAllAnsweredThenTheConnectionCloses() {
        var machine = makeMachine()
        XCTAssertEqual(machine.received(get("/a") + get("/b"), at: at(1)).summary, "handle GET /a")
        XCTAssertEqual(machine.inputEnded(at: at(1)).summary, "wait")
        XCTAssertFalse(machine.wantsInput)
        XCTAssertEqual(respond(&machine, "A", at: at(2)), "handle GET /b")
        XCTAssertEqual(respond(&machine, "B", at: at(2)), "wait")
        XCTAssertEqual(machine.persistence, .closeAfterResponse)
        let written = writeAll(&machine, at: at(3))
        XCTAssertEqual(written.text, "AB")
        XCTAssertEqual(written.next, "close", "no linger: the peer has already finished")
    }

    func testHalfCloseMidRequestClosesWithoutAnswer() {
        var machine = makeMachine()
        XCTAssertEqual(machine.received(Array("GET /a HTTP/1.1\r\nHo".utf8), at: at(1)).summary, "wait")
        XCTAssertEqual(machine.inputEnded(at: at(2)).summary, "close", "a partial request can never complete")
        XCTAssertFalse(machine.hasPendingOutput)
    }

    func testHalfCloseWhileIdleCloses() {
        var machine = makeMachine()
        XCTAssertEqual(machine.inputEnded(at: at(1)).summary, "close")
    }

    // MARK: Timeouts

    func testIdleTimeoutClosesSilently() {
        var machine = makeMachine()
        _ = machine.received(get("/a"), at: at(1))
        _ = respond(&machine, "A", at: at(2))
        _ = writeAll(&machine, at: at(2))
        XCTAssertEqual(machine.nextDeadline(), Machine.Deadline(instant: at(17), kind: .idle))
        XCTAssertEqual(machine.timerFired(at: at(16.9)).summary, "wait", "early firing does nothing")
        XCTAssertEqual(machine.timerFired(at: at(17)).summary, "close")
        XCTAssertFalse(machine.hasPendingOutput, "no 408 to an idle connection")
    }

    func testHeadTimeoutCountsFromTheFirstByteAndIsNotExtendedByTrickling() {
        var machine = makeMachine()
        _ = machine.received(Array("GET / HTTP/1.1\r\n".utf8), at: at(1))
        for second in 2...10 { _ = machine.received(Array("X".utf8), at: at(Double(second))) }
        XCTAssertEqual(machine.nextDeadline(), Machine.Deadline(instant: at(11), kind: .head))
        XCTAssertEqual(machine.timerFired(at: at(11)).summary, "answer 408")
        XCTAssertEqual(machine.persistence, .closeAfterResponse)
        XCTAssertEqual(respond(&machine, "408", keepAlive: false, at: at(11)), "wait")
        XCTAssertEqual(writeAll(&machine, at: at(11)).next, "shutdownOutput")
    }

    func testStrayEmptyLinesDoNotStartTheHeadTimeout() {
        var machine = makeMachine()
        _ = machine.received(Array("\r\n".utf8), at: at(5))
        XCTAssertEqual(machine.nextDeadline()?.kind, .idle)
    }

    func testBodyTimeoutCountsFromTheEndOfTheHead() {
        var machine = makeMachine()
        _ = machine.received(Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc".utf8), at: at(1))
        _ = machine.received(Array("def".utf8), at: at(20))
        XCTAssertEqual(machine.nextDeadline(), Machine.Deadline(instant: at(31), kind: .body))
        XCTAssertEqual(machine.timerFired(at: at(31)).summary, "answer 408")
    }

    func testWriteTimeoutCountsFromTheLastProgress() {
        var machine = makeMachine()
        _ = machine.received(get("/a"), at: at(1))
        _ = machine.responseReady(head: [], body: [UInt8](repeating: 65, count: 1000), keepAlive: true, at: at(2))
        XCTAssertEqual(machine.nextDeadline(), Machine.Deadline(instant: at(22), kind: .write))
        _ = machine.wrote(10, at: at(15))
        XCTAssertEqual(machine.nextDeadline(), Machine.Deadline(instant: at(35), kind: .write), "progress moves it")
        _ = machine.wrote(0, at: at(30))
        XCTAssertEqual(machine.nextDeadline()?.instant, at(35), "no progress, no extension")
        XCTAssertEqual(machine.timerFired(at: at(35)).summary, "close")
        XCTAssertTrue(machine.isClosed)
        XCTAssertNil(machine.nextDeadline())
    }

    func testWriteTimeoutOfALateResponseCountsFromWhenItWasQueued() {
        var machine = makeMachine()
        _ = machine.received(get("/slow"), at: at(1))
        _ = respond(&machine, "A", at: at(100))
        XCTAssertEqual(machine.nextDeadline(), Machine.Deadline(instant: at(120), kind: .write))
    }

    func testLingerEndsAfterTwoSeconds() {
        var machine = makeMachine()
        _ = machine.received(get("/a", "Connection: close\r\n"), at: at(1))
        _ = respond(&machine, "A", keepAlive: false, at: at(1))
        XCTAssertEqual(writeAll(&machine, at: at(1)).next, "shutdownOutput")
        XCTAssertEqual(machine.nextDeadline(), Machine.Deadline(instant: at(3), kind: .linger))
        XCTAssertTrue(machine.wantsInput, "reading on, to drain the peer")
        XCTAssertEqual(machine.timerFired(at: at(3)).summary, "close")
    }

    // MARK: 100-continue

    func testContinueIsSentWhenTheHeadArrivesAlone() {
        var machine = makeMachine()
        let head = "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        XCTAssertEqual(machine.received(Array(head.utf8), at: at(1)).summary, "wait")
        XCTAssertEqual(writeAll(&machine, at: at(1)).text, "HTTP/1.1 100 Continue\r\n\r\n")
        XCTAssertEqual(machine.state, .readingBody(since: at(1)))
        guard case .handle(let request) = machine.received(Array("data".utf8), at: at(2)) else {
            return XCTFail("the body completes the request")
        }
        XCTAssertEqual(request.body, Array("data".utf8))
    }

    func testNoContinueWhenTheBodyCameWithTheHead() {
        var machine = makeMachine()
        let whole = "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\ndata"
        XCTAssertEqual(machine.received(Array(whole.utf8), at: at(1)).summary, "handle POST /up")
        XCTAssertFalse(machine.hasPendingOutput)
    }

    func testTooLargeBodyIsRefusedBeforeContinue() {
        var machine = makeMachine(maxBody: 3)
        let head = "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        XCTAssertEqual(machine.received(Array(head.utf8), at: at(1)).summary, "answer 413")
        XCTAssertFalse(machine.hasPendingOutput, "no 100 Continue for a body that would be refused")
    }

    // MARK: Errors

    func testMalformedRequestIsAnsweredThenClosedAndNothingElseIsRead() {
        var machine = makeMachine()
        XCTAssertEqual(machine.received(Array("BAD\r\n\r\n".utf8) + get("/after"), at: at(1)).summary, "answer 400")
        XCTAssertEqual(machine.state, .handling)
        XCTAssertEqual(respond(&machine, "400", keepAlive: false, at: at(1)), "wait")
        XCTAssertEqual(writeAll(&machine, at: at(1)).next, "shutdownOutput")
        XCTAssertEqual(machine.received(get("/more"), at: at(1.1)).summary, "wait")
        XCTAssertEqual(machine.inputEnded(at: at(1.2)).summary, "close")
    }

    func testEventsAfterTheConnectionIsLostAreIgnored() {
        var machine = makeMachine()
        _ = machine.received(get("/a"), at: at(1))
        machine.connectionLost()
        XCTAssertEqual(machine.received(get("/b"), at: at(2)).summary, "wait")
        XCTAssertEqual(machine.inputEnded(at: at(2)).summary, "wait")
        XCTAssertEqual(machine.drain(at: at(2)).summary, "wait")
        XCTAssertEqual(machine.timerFired(at: at(99)).summary, "wait")
        XCTAssertFalse(machine.wantsInput)
        XCTAssertNil(machine.nextDeadline())
    }

    // MARK: Shutdown

    func testDrainClosesAnIdleConnectionAtOnce() {
        var machine = makeMachine()
        XCTAssertEqual(machine.drain(at: at(1)).summary, "shutdownOutput")
    }

    func testDrainLetsTheExchangeInFlightFinishThenCloses() {
        var machine = makeMachine()
        XCTAssertEqual(machine.received(get("/a") + get("/b"), at: at(1)).summary, "handle GET /a")
        XCTAssertEqual(machine.drain(at: at(1)).summary, "wait")
        XCTAssertEqual(machine.persistence, .closeAfterResponse, "the response in flight says Connection: close")
        XCTAssertEqual(respond(&machine, "A", keepAlive: false, at: at(2)), "wait", "the pipelined /b is not read")
        XCTAssertEqual(writeAll(&machine, at: at(2)).next, "shutdownOutput")
    }

    func testDrainLetsARequestBeingReceivedComplete() {
        var machine = makeMachine()
        _ = machine.received(Array("GET /a HTTP/1.1\r\n".utf8), at: at(1))
        XCTAssertEqual(machine.drain(at: at(1)).summary, "wait")
        XCTAssertEqual(machine.received(Array("Host: x\r\n\r\n".utf8), at: at(2)).summary, "handle GET /a")
    }

    // MARK: Streaming

    func testStreamedResponseIsChunkedAndHoldsBackTheNextRequest() {
        var machine = makeMachine()
        XCTAssertEqual(machine.received(get("/events") + get("/next"), at: at(1)).summary, "handle GET /events")
        XCTAssertEqual(machine.streamStarted(head: Array("H|".utf8), chunked: true, keepAlive: true, at: at(1)).summary, "wait")
        XCTAssertEqual(machine.state, .streaming(chunked: true))
        _ = machine.streamed(Array("hello".utf8), at: at(2))
        _ = machine.streamed([], at: at(2))
        XCTAssertEqual(writeAll(&machine, at: at(2)).text, "H|5\r\nhello\r\n", "an empty write sends no terminating chunk")
        XCTAssertNil(machine.nextDeadline(), "an open stream with nothing to send has no timeout")
        XCTAssertEqual(machine.streamFinished(at: at(3)).summary, "handle GET /next")
        XCTAssertEqual(writeAll(&machine, at: at(3)).text, "0\r\n\r\n")
    }

    func testCloseDelimitedStreamEndsTheConnection() {
        var machine = makeMachine()
        _ = machine.received(Array("GET /events HTTP/1.0\r\n\r\n".utf8), at: at(1))
        _ = machine.streamStarted(head: Array("H|".utf8), chunked: false, keepAlive: false, at: at(1))
        _ = machine.streamed(Array("raw".utf8), at: at(1))
        XCTAssertEqual(machine.streamFinished(at: at(2)).summary, "wait")
        let written = writeAll(&machine, at: at(2))
        XCTAssertEqual(written.text, "H|raw")
        XCTAssertEqual(written.next, "shutdownOutput")
    }

    func testFullOutputMakesAStreamWait() {
        var machine = makeMachine()
        _ = machine.received(get("/events"), at: at(1))
        _ = machine.streamStarted(head: [], chunked: false, keepAlive: true, at: at(1))
        _ = machine.streamed([UInt8](repeating: 65, count: Machine.outputHighWater + 1), at: at(1))
        XCTAssertTrue(machine.isOutputFull)
        _ = machine.wrote(2, at: at(2))
        XCTAssertFalse(machine.isOutputFull)
    }
}

extension ConnectionStateMachine.Action {
    /// A readable name for assertions.
    var summary: String {
        switch self {
        case .wait: return "wait"
        case .handle(let request): return "handle \(request.head.method) \(request.head.target)"
        case .answer(let error): return "answer \(error.status.code)"
        case .openSpool: return "openSpool"
        case .appendToSpool(let bytes): return "appendToSpool \(String(decoding: bytes, as: UTF8.self))"
        case .discardSpool(let then): return "discardSpool, then \(then.summary)"
        case .shutdownOutput: return "shutdownOutput"
        case .close: return "close"
        }
    }
}
