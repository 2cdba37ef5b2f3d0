import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One accepted TCP connection: reads requests, runs the handler, writes responses strictly in
/// request order, and enforces the timeouts.
///
/// All mutable state lives on `queue`, a serial queue of its own. Readiness comes from dispatch
/// sources on the non-blocking socket, so a connection waiting for bytes holds no thread. The
/// handler runs on `queue` too: an untargeted serial queue is served by Dispatch's overcommitting
/// pool, which adds a thread when all are busy, so a handler that blocks delays only its own
/// connection (measured: six handlers sleeping 3 s did not delay a static file). A shared
/// concurrent handler queue was both slower (a thread hop per request) and starved once a few
/// handlers blocked. Streamed bodies are produced on a queue of their own for the same reason.
final class Connection: @unchecked Sendable {
    let fd: Int32
    let remoteAddress: String
    let queue: DispatchQueue
    private let core: ServerCore
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private let timer: DispatchSourceTimer
    private var readSuspended = false
    private var writeResumed = false
    private var pendingCancelHandlers = 2

    private var input = ByteBuffer()
    private var output = ByteBuffer()
    private var parser: RequestParser

    /// A handler is running or a streamed response is open: later requests wait their turn.
    private var inFlight = false
    /// `processInput` is on the stack.
    private var processing = false
    /// Close once the response in flight has been written (client asked, error, or shutdown).
    private var closeWhenDone = false
    /// The peer sent FIN: no more requests will come.
    private var inputClosed = false
    /// Output shut down after the last response; reading only to drain the peer (no RST).
    private var lingering = false
    private(set) var closed = false
    /// Woken when a streaming handler waits for the peer to read.
    private var streamWaiter: DispatchSemaphore?

    private var idleSince = DispatchTime.now()
    private var headStarted: DispatchTime?
    private var bodyStarted: DispatchTime?
    private var lastWriteProgress = DispatchTime.now()
    private var lingerSince = DispatchTime.now()
    private var timerArmedFor: DispatchTime?

    private static let readChunk = 64 * 1024
    /// Pipelined bytes buffered while a request is in flight before reading pauses.
    private static let inputHighWater = 256 * 1024
    /// Unsent output beyond which no further request is processed and streams wait.
    private static let outputHighWater = 256 * 1024
    private static let lingerTime = 2.0

    init(fd: Int32, remoteAddress: String, core: ServerCore) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.core = core
        self.queue = DispatchQueue(label: "http.connection")
        self.parser = RequestParser(limits: core.parserLimits)
        self.timer = DispatchSource.makeTimerSource(queue: queue)
    }

    func start() {
        queue.async { [self] in
            let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            read.setEventHandler { [weak self] in self?.handleReadable() }
            read.setCancelHandler { [self] in cancelHandlerFinished() }
            let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            write.setEventHandler { [weak self] in self?.flush() }
            write.setCancelHandler { [self] in cancelHandlerFinished() }
            readSource = read
            writeSource = write
            timer.setEventHandler { [weak self] in self?.handleTimer() }
            timer.schedule(deadline: .distantFuture)
            timer.resume()
            read.resume()
            updateTimer()
        }
    }

    /// Shutdown: close now if idle, else after the response in flight.
    func drain() {
        queue.async { [self] in
            guard !closed else { return }
            closeWhenDone = true
            if !inFlight && output.isEmpty && parser.phase(buffer: input) == .idle { beginLingeringClose() }
        }
    }

    /// Deadline passed: drop the connection whatever it is doing.
    func forceClose() { queue.async { [self] in close() } }

    // MARK: Reading

    private func handleReadable() {
        guard !closed else { return }
        withUnsafeTemporaryAllocation(byteCount: Self.readChunk, alignment: 16) { chunk in
            while true {
                let count = Glibc.read(fd, chunk.baseAddress, chunk.count)
                if count > 0 {
                    if !lingering { input.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count])) }
                    if count < chunk.count || input.readableCount >= Self.inputHighWater { return }
                } else if count == 0 {
                    inputClosed = true
                    return
                } else {
                    switch errno {
                    case EINTR: continue
                    case EAGAIN, EWOULDBLOCK: return
                    default:
                        close()   // ECONNRESET and friends: the peer is gone.
                        return
                    }
                }
            }
        }
        guard !closed else { return }
        if lingering {
            if inputClosed { close() } else { updateReadInterest() }
            return
        }
        processInput()
    }

    /// Parses and dispatches buffered requests, one at a time, while nothing is in flight.
    /// Re-entry (a response finished inside the loop) returns at once: the running loop goes
    /// on, so thousands of pipelined requests never deepen the stack.
    private func processInput() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while !closed && !inFlight && !lingering && !closeWhenDone && output.readableCount < Self.outputHighWater {
            let event: RequestParser.Event
            do {
                event = try parser.parse(&input)
            } catch let error as HTTPParseError {
                fail(error)
                break
            } catch {
                fail(HTTPParseError(400, "unreadable request"))
                break
            }
            switch event {
            case .needMore:
                switch parser.phase(buffer: input) {
                case .idle: headStarted = nil
                case .head: if headStarted == nil { headStarted = .now() }
                case .body: if bodyStarted == nil { bodyStarted = .now() }
                }
                if inputClosed {
                    // Nothing more will arrive: a partial request can never complete.
                    if output.isEmpty { close() } else { closeWhenDone = true }
                }
                updateReadInterest()
                updateTimer()
                return
            case .sendContinue:
                bodyStarted = .now()
                output.append(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                flush()
            case .request(let request):
                headStarted = nil
                bodyStarted = nil
                dispatch(request)
            }
        }
        updateReadInterest()
        updateTimer()
    }

    /// Reads while idle or while a little pipelined input is buffered; pauses otherwise
    /// (backpressure), and stops for good at end of input.
    private func updateReadInterest() {
        guard let readSource, !closed else { return }
        let wanted = !inputClosed && (lingering || input.readableCount < Self.inputHighWater)
        if wanted && readSuspended {
            readSource.resume()
            readSuspended = false
        } else if !wanted && !readSuspended {
            readSource.suspend()
            readSuspended = true
        }
    }

    // MARK: Exchanges

    private func dispatch(_ parsed: ParsedRequest) {
        let head = parsed.head
        let target = RequestTarget(head.target)
        let context = ExchangeContext(
            method: head.method, path: target.rawPath, minorVersion: head.minorVersion, keepAlive: head.keepAlive,
            acceptEncoding: head.headers["Accept-Encoding"], hasRange: head.headers["Range"] != nil,
            remoteAddress: remoteAddress, started: DispatchTime.now().uptimeNanoseconds)
        guard let path = target.decodedPath, let query = target.decodedQuery else {
            fail(HTTPParseError(400, "malformed percent-encoding in request target"))
            return
        }
        let request = HTTPRequest(method: head.method, target: head.target, path: path, query: query,
                                  headers: head.headers, body: parsed.body, remoteAddress: remoteAddress)
        inFlight = true
        let response: HTTPResponse
        do {
            response = try core.handler(request)
        } catch {
            response = .problem(status: 500, detail: "the request handler failed")
        }
        send(response, context: context)
    }

    private func send(_ response: HTTPResponse, context: ExchangeContext) {
        guard !closed else { return }
        let prepared = core.preparer.prepare(response, for: context, mustClose: closeWhenDone || core.isDraining)
        if !prepared.keepAlive { closeWhenDone = true }
        output.append(prepared.head)
        switch prepared.payload {
        case nil:
            finishExchange(context: context, status: prepared.status, bodyBytes: 0)
        case .bytes(let body)?:
            output.append(body)
            finishExchange(context: context, status: prepared.status, bodyBytes: body.count)
        case .stream(let produce, let chunked)?:
            let stream = ConnectionStream(connection: self, chunked: chunked, context: context, status: prepared.status)
            DispatchQueue(label: "http.stream").async {
                produce(stream)
                stream.finish()
            }
        }
        flush()
    }

    /// The response is queued for writing: log it and move on to the next request.
    private func finishExchange(context: ExchangeContext, status: Int, bodyBytes: Int) {
        inFlight = false
        idleSince = .now()
        logExchange(context: context, status: status, bodyBytes: bodyBytes)
        if closeWhenDone {
            if output.isEmpty { beginLingeringClose() }
        } else {
            processInput()
        }
    }

    private func logExchange(context: ExchangeContext, status: Int, bodyBytes: Int) {
        guard let log = core.configuration.accessLog else { return }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - context.started) / 1e6
        log("\(context.remoteAddress) \(context.method) \(context.path) \(status) \(bodyBytes) \(Self.format(milliseconds))ms")
    }

    /// Answers a request that broke the rules (or timed out) and closes.
    private func fail(_ error: HTTPParseError) {
        let context = ExchangeContext(method: "-", path: "-", minorVersion: 1, keepAlive: false, acceptEncoding: nil,
                                      hasRange: false, remoteAddress: remoteAddress,
                                      started: (headStarted ?? .now()).uptimeNanoseconds)
        closeWhenDone = true
        inFlight = true
        send(.problem(status: error.status, detail: error.detail), context: context)
    }

    private static func format(_ milliseconds: Double) -> String {
        let tenths = Int((milliseconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    // MARK: Streaming

    /// Called from a streaming handler's thread. Returns false once the client is gone.
    fileprivate func streamWrite(_ bytes: [UInt8], chunked: Bool) -> Bool {
        let (open, waiter): (Bool, DispatchSemaphore?) = queue.sync {
            guard !closed else { return (false, nil) }
            if chunked { output.append(Array((String(bytes.count, radix: 16) + "\r\n").utf8)) }
            output.append(bytes)
            if chunked { output.append([CR, LF]) }
            flush()
            guard !closed else { return (false, nil) }
            guard output.readableCount > Self.outputHighWater else { return (true, nil) }
            let waiter = DispatchSemaphore(value: 0)
            streamWaiter = waiter
            return (true, waiter)
        }
        guard open else { return false }
        if let waiter {
            waiter.wait()   // until drained or closed; the write timeout closes a peer that never reads.
            return queue.sync { !closed }
        }
        return true
    }

    fileprivate func streamFinished(chunked: Bool, context: ExchangeContext, status: Int, bodyBytes: Int) {
        queue.async { [self] in
            guard !closed else {
                logExchange(context: context, status: status, bodyBytes: bodyBytes)
                return
            }
            if chunked { output.append(Array("0\r\n\r\n".utf8)) }
            finishExchange(context: context, status: status, bodyBytes: bodyBytes)
            flush()
        }
    }

    // MARK: Writing

    private func flush() {
        guard !closed else { return }
        while !output.isEmpty {
            let sent = output.withUnsafeReadableBytes { bytes in
                Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                output.consume(sent)
                lastWriteProgress = .now()
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                setWriteInterest(true)
                updateTimer()
                return
            } else {
                close()   // EPIPE, ECONNRESET: a normal end.
                return
            }
        }
        setWriteInterest(false)
        if let waiter = streamWaiter {
            streamWaiter = nil
            waiter.signal()
        }
        if !inFlight {
            if closeWhenDone {
                beginLingeringClose()
            } else {
                processInput()
            }
        }
        updateTimer()
    }

    private func setWriteInterest(_ wanted: Bool) {
        guard let writeSource, wanted != writeResumed else { return }
        if wanted { writeSource.resume() } else { writeSource.suspend() }
        writeResumed = wanted
    }

    // MARK: Closing

    /// Sends FIN after the last response and reads until the peer's FIN (or briefly), so that
    /// unread request bytes do not turn the close into a reset that destroys the response.
    private func beginLingeringClose() {
        guard !closed, !lingering else { return }
        lingering = true
        lingerSince = .now()
        Glibc.shutdown(fd, Int32(SHUT_WR))
        input = ByteBuffer()
        if inputClosed {
            close()
        } else {
            updateReadInterest()
            updateTimer()
        }
    }

    private func close() {
        guard !closed else { return }
        closed = true
        timer.cancel()
        if let readSource {
            readSource.cancel()
            if readSuspended { readSource.resume() }
        }
        if let writeSource {
            writeSource.cancel()
            if !writeResumed { writeSource.resume() }
        }
        if readSource == nil { Glibc.close(fd) }
        input = ByteBuffer()
        output = ByteBuffer()
        if let waiter = streamWaiter {
            streamWaiter = nil
            waiter.signal()
        }
        core.connectionClosed(self)
    }

    /// The descriptor is closed only once both sources have stopped watching it.
    private func cancelHandlerFinished() {
        pendingCancelHandlers -= 1
        if pendingCancelHandlers == 0 { Glibc.close(fd) }
    }

    // MARK: Timeouts

    private enum Timeout { case idle, head, body, write, linger }

    private func currentDeadline() -> (DispatchTime, Timeout)? {
        let configuration = core.configuration
        if closed { return nil }
        if lingering { return (lingerSince + Self.lingerTime, .linger) }
        if !output.isEmpty { return (lastWriteProgress + configuration.writeTimeout, .write) }
        if inFlight { return nil }
        switch parser.phase(buffer: input) {
        case .idle: return (idleSince + configuration.idleTimeout, .idle)
        case .head: return ((headStarted ?? idleSince) + configuration.headTimeout, .head)
        case .body: return ((bodyStarted ?? idleSince) + configuration.bodyTimeout, .body)
        }
    }

    /// Moves the timer earlier when needed; a later deadline is picked up when the timer fires,
    /// so the common case costs no system call.
    private func updateTimer() {
        guard let (deadline, _) = currentDeadline() else { return }
        if let armed = timerArmedFor, armed <= deadline { return }
        timer.schedule(deadline: deadline, leeway: .milliseconds(20))
        timerArmedFor = deadline
    }

    private func handleTimer() {
        timerArmedFor = nil
        guard let (deadline, kind) = currentDeadline() else { return }
        guard DispatchTime.now() >= deadline else {
            updateTimer()
            return
        }
        switch kind {
        case .idle, .write, .linger:
            close()
        case .head:
            fail(HTTPParseError(408, "request head not received within \(core.configuration.headTimeout) s"))
        case .body:
            fail(HTTPParseError(408, "request body not received within \(core.configuration.bodyTimeout) s"))
        }
    }
}

/// The `ResponseStream` a streaming handler writes to.
private final class ConnectionStream: ResponseStream, @unchecked Sendable {
    private let connection: Connection
    private let chunked: Bool
    private let context: ExchangeContext
    private let status: Int
    private let lock = NSLock()
    private var finished = false
    private var bytesWritten = 0

    init(connection: Connection, chunked: Bool, context: ExchangeContext, status: Int) {
        self.connection = connection
        self.chunked = chunked
        self.context = context
        self.status = status
    }

    @discardableResult func write(_ bytes: [UInt8]) -> Bool {
        lock.lock()
        let done = finished
        bytesWritten += bytes.count
        lock.unlock()
        guard !done else { return false }
        // An empty chunk would end a chunked body: nothing to send.
        if bytes.isEmpty { return connection.queue.sync { !connection.closed } }
        return connection.streamWrite(bytes, chunked: chunked)
    }

    func finish() {
        lock.lock()
        let alreadyFinished = finished
        finished = true
        let total = bytesWritten
        lock.unlock()
        if !alreadyFinished {
            connection.streamFinished(chunked: chunked, context: context, status: status, bodyBytes: total)
        }
    }
}
