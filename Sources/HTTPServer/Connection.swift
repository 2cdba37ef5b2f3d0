import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One accepted TCP connection: the socket side of a `ConnectionStateMachine`. It turns
/// readiness, timer and handler events into machine events and executes the actions they
/// return; every protocol decision (what to parse, when to answer, when to close, which
/// timeout applies) is the machine's.
///
/// Readiness comes from an `EventLoop` (edge-triggered epoll), and is handled on the loop's
/// thread: reading, parsing, writing, and answering a request whose handler does not block
/// (the server's `inlineHandler`: a cached static file, a status poll) all happen there,
/// without a thread hop. A handler that may block runs on `queue`, a serial queue of this
/// connection: an untargeted serial queue is served by Dispatch's overcommitting pool, which
/// adds a thread when all are busy, so a handler that blocks delays only its own connection
/// (measured: six handlers sleeping 3 s did not delay a static file). Streamed bodies are
/// produced on a queue of their own for the same reason. A peer that does not read never
/// blocks the loop: sends are non-blocking, and output left over waits for the next
/// writable edge.
///
/// All mutable state is guarded by `exclusive` (the loop, the queue, the timer and stream
/// producers take it; hence `@unchecked Sendable`). A handler never runs while it is held,
/// except an inline one, which by contract does not block.
final class Connection: @unchecked Sendable {
    typealias Action = ConnectionStateMachine.Action

    let fd: Int32
    let remoteAddress: String
    /// Where handlers that may block run, and the timer fires.
    let queue: DispatchQueue
    private let core: ServerCore
    private let loop: EventLoop
    private let exclusive = Locked(())
    private var machine: ConnectionStateMachine

    private let timer: DispatchSourceTimer
    private var timerArmedFor: ContinuousClock.Instant?
    /// Edge-triggered readiness: input may be waiting (set by the loop, cleared by a short read
    /// or EAGAIN), and the socket may take output (cleared by EAGAIN).
    private var mayRead = false
    private var mayWrite = true
    /// The peer's FIN (or an error) is pending: no edge will follow it, so input is read until
    /// `read` says so itself (0 or an error), short reads notwithstanding.
    private var peerHasClosed = false
    private var registered = false
    /// The socket is released (the machine may have asked, or an I/O error or deadline forced it).
    private(set) var closed = false
    /// Woken when a streaming handler waits for the peer to read.
    private var streamWaiter: DispatchSemaphore?
    /// The file of a request body being spooled (the machine's `spool` is not `.none`), or of a
    /// completed one until its handler returns.
    private var spoolFile: SpoolFile?

    private static let readChunk = 64 * 1024

    init(fd: Int32, remoteAddress: String, core: ServerCore, loop: EventLoop = EventLoop.next()) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.core = core
        self.loop = loop
        self.queue = DispatchQueue(label: "http.connection")
        self.machine = ConnectionStateMachine(limits: core.parserLimits, timeouts: core.timeouts, now: .now,
                                              bodyHandling: core.bodyHandling)
        self.timer = DispatchSource.makeTimerSource(queue: queue)
    }

    func start() {
        timer.setEventHandler { [weak self] in self?.handleTimer() }
        timer.schedule(deadline: .distantFuture)
        timer.resume()
        exclusive.withLock { _ in
            guard !closed else { return }
            registered = loop.add(fd, for: self)
            guard registered else { return close() }
            pump(nil)
        }
    }

    /// Shutdown: close now if idle, else after the exchange in progress.
    func drain() {
        exclusive.withLock { _ in
            guard !closed else { return }
            pump(machine.drain(at: .now))
        }
    }

    /// Deadline passed: drop the connection whatever it is doing.
    func forceClose() { exclusive.withLock { _ in close() } }

    /// The loop saw the socket become readable or writable, or the peer's FIN or an error (on
    /// the loop's thread).
    func socketReady(readable: Bool, writable: Bool, peerClosed: Bool) {
        exclusive.withLock { _ in
            guard !closed else { return }
            if readable { mayRead = true }
            if peerClosed { peerHasClosed = true }
            if writable { mayWrite = true }
            pump(nil)
        }
    }

    // MARK: Executing actions

    /// Executes `first` and what follows until the machine waits, writing pending output and
    /// reading available input along the way; then arms the deadline. Called with `exclusive` held.
    private func pump(_ first: Action?) {
        var next = first
        while !closed {
            if let action = next {
                next = run(action)
                continue
            }
            if machine.hasPendingOutput && mayWrite {
                next = writeOnce()
                continue
            }
            if mayRead && machine.wantsInput {
                next = readOnce()
                continue
            }
            break
        }
        settle()
    }

    /// One action; returns the next, or nil when the machine waits.
    private func run(_ action: Action) -> Action? {
        switch action {
        case .handle(let request):
            return handle(request)
        case .answer(let error):
            return answer(error)
        case .openSpool(let policy):
            return openSpool(policy)
        case .appendToSpool(let bytes):
            return appendToSpool(bytes)
        case .discardSpool(let then):
            discardSpool()
            return then
        case .shutdownOutput:
            Glibc.shutdown(fd, Int32(SHUT_WR))
            return nil
        case .close:
            close()
            return nil
        case .wait:
            return nil
        }
    }

    /// Wakes a waiting stream producer once output has drained, and arms the deadline.
    private func settle() {
        if !machine.isOutputFull, let waiter = streamWaiter {
            streamWaiter = nil
            waiter.signal()
        }
        updateTimer()
    }

    // MARK: Reading

    /// One read; a short read means the socket is drained (the next edge says when it is not),
    /// unless the peer has closed.
    private func readOnce() -> Action? {
        withUnsafeTemporaryAllocation(byteCount: Self.readChunk, alignment: 16) { chunk in
            while true {
                let count = Glibc.read(fd, chunk.baseAddress, chunk.count)
                if count > 0 {
                    if count < chunk.count && !peerHasClosed { mayRead = false }
                    return machine.received(UnsafeRawBufferPointer(rebasing: chunk[0..<count]), at: .now)
                } else if count == 0 {
                    mayRead = false
                    return machine.inputEnded(at: .now)
                } else if errno == EINTR {
                    continue
                } else if errno == EAGAIN || errno == EWOULDBLOCK {
                    mayRead = false
                    return nil
                } else {
                    return .close   // ECONNRESET and friends: the peer is gone.
                }
            }
        }
    }

    // MARK: Spooled bodies

    private func openSpool(_ policy: SpoolPolicy) -> Action {
        discardSpool()
        do {
            spoolFile = try SpoolFile.create(in: policy.directory)
            return machine.spoolReady(at: .now)
        } catch {
            return machine.spoolFailed(error.detail, at: .now)
        }
    }

    private func appendToSpool(_ bytes: [UInt8]) -> Action {
        guard let spoolFile else { return machine.spoolFailed("the request body's file is gone", at: .now) }
        do {
            try spoolFile.append(bytes)
            return machine.spoolReady(at: .now)
        } catch {
            return machine.spoolFailed(error.detail, at: .now)
        }
    }

    /// A body that will not complete (or whose handler is done) leaves no file behind.
    private func discardSpool() {
        spoolFile?.remove()
        spoolFile = nil
    }

    // MARK: Exchanges

    /// Answers on this thread when the inline handler can (it returns nil for what may block);
    /// otherwise the handler runs on `queue` and the answer comes back through `pump`.
    private func handle(_ parsed: ParsedRequest) -> Action? {
        let head = parsed.head
        let target = RequestTarget(head.target)
        let context = ExchangeContext(
            method: head.method, path: target.rawPath, minorVersion: head.minorVersion, keepAlive: head.keepAlive,
            acceptEncoding: head.headers["Accept-Encoding"], hasRange: head.headers["Range"] != nil,
            remoteAddress: remoteAddress, started: DispatchTime.now().uptimeNanoseconds)
        guard let path = target.decodedPath, let query = target.decodedQuery else {
            discardSpool()
            return answer(HTTPParseError(.badRequest, "malformed percent-encoding in request target"))
        }
        var request = HTTPRequest(method: head.method, target: head.target, path: path, query: query,
                                  headers: head.headers, body: parsed.body, remoteAddress: remoteAddress)
        if let byteCount = parsed.spooledByteCount, var file = spoolFile {
            file.close()
            spoolFile = file
            request.spooledBody = SpooledBody(file: file.url, byteCount: byteCount)
        } else if let inline = core.inlineHandler {
            let answered: HTTPResponse?
            do {
                answered = try inline(request)
            } catch {
                answered = .problem(status: .internalServerError, detail: "the request handler failed")
            }
            if let answered { return respond(answered, context: context) }
        }
        let spooled = spoolFile
        spoolFile = nil   // the exchange owns it now; removed after the handler unless moved
        queue.async { [self, request] in
            let response: HTTPResponse
            do {
                response = try core.handler(request)
            } catch {
                response = .problem(status: .internalServerError, detail: "the request handler failed")
            }
            if var file = spooled { file.remove() }
            exclusive.withLock { _ in
                guard !closed else { return }
                pump(respond(response, context: context))
            }
        }
        return nil
    }

    /// Answers a request that broke the rules (or timed out); the machine closes after it.
    private func answer(_ error: HTTPParseError) -> Action {
        let context = ExchangeContext(method: nil, path: "-", minorVersion: 1, keepAlive: false, acceptEncoding: nil,
                                      hasRange: false, remoteAddress: remoteAddress,
                                      started: DispatchTime.now().uptimeNanoseconds)
        return respond(.problem(status: error.status, detail: error.detail), context: context)
    }

    private func respond(_ response: HTTPResponse, context: ExchangeContext) -> Action {
        let mustClose = machine.persistence == .closeAfterResponse || core.isDraining
        let prepared = core.preparer.prepare(response, for: context, mustClose: mustClose)
        switch prepared.payload {
        case nil:
            logExchange(context: context, status: prepared.status, bodyBytes: 0)
            return machine.responseReady(head: prepared.head, keepAlive: prepared.keepAlive, at: .now)
        case .bytes(let body)?:
            logExchange(context: context, status: prepared.status, bodyBytes: body.count)
            return machine.responseReady(head: prepared.head, body: body, keepAlive: prepared.keepAlive, at: .now)
        case .stream(let produce, let chunked)?:
            let action = machine.streamStarted(head: prepared.head, chunked: chunked, keepAlive: prepared.keepAlive, at: .now)
            let stream = ConnectionStream(connection: self, context: context, status: prepared.status)
            DispatchQueue(label: "http.stream").async {
                produce(stream)
                stream.finish()
            }
            return action
        }
    }

    private func logExchange(context: ExchangeContext, status: HTTPStatus, bodyBytes: Int) {
        guard let log = core.configuration.accessLog else { return }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - context.started) / 1e6
        log("\(context.remoteAddress) \(context.method?.rawValue ?? "-") \(context.path) \(status.code) \(bodyBytes) \(Self.format(milliseconds))ms")
    }

    private static func format(_ milliseconds: Double) -> String {
        let tenths = Int((milliseconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    // MARK: Streaming

    /// Called from a streaming handler's thread. Returns false once the client is gone.
    fileprivate func streamWrite(_ bytes: [UInt8]) -> Bool {
        let (open, waiter): (Bool, DispatchSemaphore?) = exclusive.withLock { _ in
            guard !closed else { return (false, nil) }
            pump(machine.streamed(bytes, at: .now))
            guard !closed else { return (false, nil) }
            guard machine.isOutputFull else { return (true, nil) }
            let waiter = DispatchSemaphore(value: 0)
            streamWaiter = waiter
            return (true, waiter)
        }
        guard open else { return false }
        if let waiter {
            waiter.wait()   // until drained or closed; the write timeout closes a peer that never reads.
            return isOpen
        }
        return true
    }

    fileprivate func streamFinished(context: ExchangeContext, status: HTTPStatus, bodyBytes: Int) {
        exclusive.withLock { _ in
            logExchange(context: context, status: status, bodyBytes: bodyBytes)
            guard !closed else { return }
            pump(machine.streamFinished(at: .now))
        }
    }

    fileprivate var isOpen: Bool { exclusive.withLock { _ in !closed } }

    // MARK: Writing

    /// One send of the pending output; the machine hears how far it got. EAGAIN leaves the rest
    /// for the loop's next writable edge.
    private func writeOnce() -> Action? {
        let (sent, error) = machine.withPendingOutput { bytes in
            let sent = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            return (sent, errno)
        }
        if sent > 0 { return machine.wrote(sent, at: .now) }
        if sent < 0 && error == EINTR { return nil }
        if sent < 0 && (error == EAGAIN || error == EWOULDBLOCK) {
            mayWrite = false
            return nil
        }
        return .close   // EPIPE, ECONNRESET: a normal end.
    }

    // MARK: Closing

    private func close() {
        guard !closed else { return }
        closed = true
        machine.connectionLost()
        discardSpool()
        timer.cancel()
        if registered { loop.remove(fd, for: self) }
        Glibc.close(fd)
        if let waiter = streamWaiter {
            streamWaiter = nil
            waiter.signal()
        }
        core.connectionClosed(self)
    }

    // MARK: Timeouts

    /// Moves the timer earlier when needed; a later deadline is picked up when the timer fires,
    /// so the common case costs no system call.
    private func updateTimer() {
        guard !closed, let deadline = machine.nextDeadline() else { return }
        if let armed = timerArmedFor, armed <= deadline.instant { return }
        let delay = max(0, Self.seconds(ContinuousClock.now.duration(to: deadline.instant)))
        timer.schedule(deadline: .now() + delay, leeway: .milliseconds(20))
        timerArmedFor = deadline.instant
    }

    private func handleTimer() {
        exclusive.withLock { _ in
            timerArmedFor = nil
            guard !closed else { return }
            pump(machine.timerFired(at: .now))
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The `ResponseStream` a streaming handler writes to.
private final class ConnectionStream: ResponseStream {
    private struct Progress {
        var finished = false
        var bytesWritten = 0
    }

    private let connection: Connection
    private let context: ExchangeContext
    private let status: HTTPStatus
    private let progress = Mutex(Progress())

    init(connection: Connection, context: ExchangeContext, status: HTTPStatus) {
        self.connection = connection
        self.context = context
        self.status = status
    }

    @discardableResult func write(_ bytes: [UInt8]) -> Bool {
        let done = progress.withLock { progress in
            progress.bytesWritten += bytes.count
            return progress.finished
        }
        guard !done else { return false }
        if bytes.isEmpty { return connection.isOpen }
        return connection.streamWrite(bytes)
    }

    func finish() {
        let (alreadyFinished, total) = progress.withLock { progress in
            defer { progress.finished = true }
            return (progress.finished, progress.bytesWritten)
        }
        if !alreadyFinished {
            connection.streamFinished(context: context, status: status, bodyBytes: total)
        }
    }
}
