import XCTest
import TestHelpers
@testable import HTTPServer

/// Connection handling: timeouts, the connection cap, many clients, streaming, shutdown, IPv6.
final class HTTPConnectionTests: XCTestCase {
    func testSlowHeadGets408AndClose() throws {
        let server = try TestServer(configure: { $0.headTimeout = 0.3 }, handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        client.send("GET / HTTP/1.1\r\nHost: x\r\n")   // never finishes the head
        let started = Date()
        let response = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(response.status, 408)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.25)
        XCTAssertTrue(client.serverClosed())
    }

    func testTricklingHeadIsStillTimedOut() throws {
        // Slowloris: one byte at a time keeps the connection busy but not alive forever.
        let server = try TestServer(configure: { $0.headTimeout = 0.3 }, handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        for byte in "GET / HTTP/1.1\r\nX-A: aaaaaaaaaaaaaaa".utf8 {
            client.send([byte])
            usleep(30_000)
        }
        XCTAssertEqual(client.readResponse()?.status, 408)
    }

    func testSlowBodyGets408() throws {
        let server = try TestServer(configure: { $0.bodyTimeout = 0.3 }, handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        XCTAssertEqual(client.readResponse()?.status, 408)
        XCTAssertTrue(client.serverClosed())
    }

    func testIdleKeepAliveConnectionIsClosedSilently() throws {
        let server = try TestServer(configure: { $0.idleTimeout = 0.3 }, handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.status, 200)
        XCTAssertTrue(client.serverClosed(), "closed after the idle timeout")
        XCTAssertTrue(client.readToEnd().isEmpty, "no 408 for an idle connection")
    }

    func testClientThatNeverReadsIsDroppedAfterWriteTimeout() throws {
        let big = [UInt8](repeating: 65, count: 16 << 20)
        let server = try TestServer(configure: { $0.writeTimeout = 0.3 }) { _ in
            HTTPResponse(status: 200, contentType: "application/octet-stream", body: big)
        }
        defer { server.stop() }
        let client = try server.client()
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let deadline = Date().addingTimeInterval(5)
        while server.server.openConnections > 0 && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(server.server.openConnections, 0)
    }

    func testConnectionCapGives503() throws {
        let server = try TestServer(configure: { $0.maxConnections = 2 }, handler: echoHandler)
        defer { server.stop() }
        let first = try server.client(), second = try server.client()
        first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        second.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(first.readResponse()?.status, 200)
        XCTAssertEqual(second.readResponse()?.status, 200)
        let third = try server.client()
        let refused = try XCTUnwrap(third.readResponse())
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.headers["Connection"], "close")
        XCTAssertTrue(third.serverClosed())
        first.send("GET /still HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(first.readResponse()?.headers["X-Path"], "/still")
    }

    func testFiveHundredConcurrentConnections() throws {
        // Client and server ends live in this process: 1,000 descriptors and more.
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 2048 {
            limit.rlim_cur = min(limit.rlim_max, 2048)
            setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        try TestRequirement.require(limit.rlim_cur >= 1100, "a descriptor limit of 1,100 (the hard limit is \(limit.rlim_max))")
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        let clients = try (0..<500).map { _ in try server.client(receiveTimeout: 10) }
        for (index, client) in clients.enumerated() {
            client.send("GET /c\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        for (index, client) in clients.enumerated() {
            XCTAssertEqual(client.readResponse()?.headers["X-Path"], "/c\(index)")
        }
        XCTAssertEqual(server.server.openConnections, 500)
    }

    func testBlockedHandlersDoNotStarveOtherConnections() throws {
        // Eight handlers block until the fast request has been answered: if blocked handlers
        // could exhaust the threads serving I/O, the fast one would never come back.
        let release = DispatchSemaphore(value: 0)
        let server = try TestServer { request in
            if request.path == "/block" { release.wait() }
            return HTTPResponse(status: 200, contentType: "text/plain", body: Array(request.path.utf8))
        }
        defer { server.stop() }
        let blocked = try (0..<8).map { _ in try server.client() }
        blocked.forEach { $0.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n") }
        usleep(100_000)
        let fast = try server.client(receiveTimeout: 10)
        fast.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(fast.readResponse()?.text, "/fast")
        for _ in blocked { release.signal() }
        for client in blocked { XCTAssertEqual(client.readResponse()?.text, "/block") }
    }

    func testServerSentEventsStream() throws {
        let clientGone = expectation(description: "write returns false once the client is gone")
        let server = try TestServer { request in
            var headers = HTTPHeaders()
            headers.set("Content-Type", "text/event-stream")
            headers.set("Cache-Control", "no-cache")
            let endless = request.path == "/endless"
            return HTTPResponse(status: 200, headers: headers, body: .stream { stream in
                for index in 0..<3 { stream.write(Array("data: event \(index)\n\n".utf8)) }
                guard endless else { return stream.finish() }
                while stream.write(Array("data: more\n\n".utf8)) { usleep(5_000) }
                clientGone.fulfill()
            })
        }
        defer { server.stop() }

        let client = try server.client()
        client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try XCTUnwrap(client.readHead())
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["Transfer-Encoding"], "chunked")
        XCTAssertNil(head.headers["Content-Length"])
        XCTAssertNil(head.headers["Content-Encoding"], "streams are not compressed")
        for index in 0..<3 { XCTAssertEqual(client.readChunk(), Array("data: event \(index)\n\n".utf8)) }
        XCTAssertEqual(client.readChunk(), [], "terminating chunk")
        client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.readHead()?.status, 200, "the connection goes on after the stream")

        let leaving = try server.client()
        leaving.send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(leaving.readHead()?.status, 200)
        XCTAssertEqual(leaving.readChunk(), Array("data: event 0\n\n".utf8))
        Glibc.shutdown(leaving.fd, Int32(SHUT_RDWR))
        wait(for: [clientGone], timeout: 5)
    }

    func testStreamToHTTP10IsCloseDelimited() throws {
        let server = try TestServer { _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: .stream { stream in
                stream.write(Array("one ".utf8))
                stream.write(Array("two".utf8))
            })
        }
        defer { server.stop() }
        let response = try XCTUnwrap(try server.exchange("GET / HTTP/1.0\r\n\r\n"))
        XCTAssertEqual(response.text, "one two")
        XCTAssertEqual(response.headers["Connection"], "close")
        XCTAssertNil(response.headers["Transfer-Encoding"])
    }

    func testGracefulShutdownFinishesRequestsInFlight() throws {
        let server = try TestServer { _ in
            usleep(300_000)
            return HTTPResponse(status: 200, contentType: "text/plain", body: Array("done".utf8))
        }
        let busy = try server.client()
        let idle = try server.client()
        busy.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        usleep(50_000)
        let stopped = expectation(description: "shutdown returned")
        DispatchQueue.global().async {
            server.server.shutdown(deadline: 5)
            stopped.fulfill()
        }
        let response = try XCTUnwrap(busy.readResponse())
        XCTAssertEqual(response.text, "done")
        XCTAssertEqual(response.headers["Connection"], "close")
        XCTAssertTrue(idle.serverClosed(), "idle connections close at once")
        wait(for: [stopped], timeout: 5)
        XCTAssertThrowsError(try server.client(), "no longer accepting")
    }

    func testShutdownDeadlineDropsEndlessStreams() throws {
        let server = try TestServer { _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "text/event-stream"], body: .stream { stream in
                while stream.write(Array(": ping\n\n".utf8)) { usleep(10_000) }
            })
        }
        let client = try server.client()
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.readHead()?.status, 200)
        let started = Date()
        server.server.shutdown(deadline: 0.3)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertEqual(server.server.openConnections, 0)
    }

    func testSIGTERMShutsDownGracefully() throws {
        let server = try TestServer(handler: echoHandler)
        let returned = expectation(description: "runUntilTerminated returned")
        Thread.detachNewThread {
            server.server.runUntilTerminated()
            returned.fulfill()
        }
        XCTAssertEqual(server.server.signalHandlersInstalled.wait(timeout: .now() + 5), .success)
        let client = try server.client()
        client.send("GET /before HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.headers["X-Path"], "/before")
        kill(getpid(), SIGTERM)
        wait(for: [returned], timeout: 5)
        XCTAssertTrue(client.serverClosed())
        XCTAssertThrowsError(try server.client(), "no longer accepting")
    }

    func testAcceptLoopSurvivesRunningOutOfDescriptors() throws {
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        // Sockets made first, so that only the server's accept runs out of descriptors.
        let clients = try (0..<3).map { _ in try RawClient(unconnectedFor: "127.0.0.1") }
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        let original = limit
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        limit.rlim_cur = rlim_t(open)   // the next accept gets EMFILE
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        for client in clients {
            try client.connect(port: server.port)
            client.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        usleep(300_000)   // the accept loop meets EMFILE and backs off meanwhile
        var restored = original
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &restored)
        for client in clients { XCTAssertEqual(client.readResponse()?.headers["X-Path"], "/late") }
        let fresh = try server.client()
        fresh.send("GET /fresh HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(fresh.readResponse()?.headers["X-Path"], "/fresh")
    }

    func testIPv6Loopback() throws {
        guard let server = try? TestServer(host: "::1", handler: echoHandler) else {
            try TestRequirement.unavailable("an IPv6 loopback (::1)")
        }
        defer { server.stop() }
        let response = try XCTUnwrap(try server.exchange("GET /six HTTP/1.1\r\nHost: [::1]\r\n\r\n"))
        XCTAssertEqual(response.headers["X-Path"], "/six")
        XCTAssertTrue(server.log.lines.first?.hasPrefix("[::1]:") ?? false)
    }

    func testPortZeroReportsTheBoundPortAndBusyPortFails() throws {
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        XCTAssertGreaterThan(server.port, 0)
        var configuration = HTTPServerConfiguration()
        configuration.port = server.port
        XCTAssertThrowsError(try HTTPServer(configuration: configuration, handler: echoHandler).start()) { error in
            XCTAssertTrue("\(error)".contains("bind"), "\(error)")
        }
    }
}
