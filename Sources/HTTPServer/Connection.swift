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
/// All mutable state lives on `queue`, a serial queue of its own (hence `@unchecked Sendable`:
/// the queue, not a lock, guards it). Readiness comes from dispatch sources on the non-blocking
/// socket, so a connection waiting for bytes holds no thread. The handler runs on `queue` too:
/// an untargeted serial queue is served by Dispatch's overcommitting pool, which adds a thread
/// when all are busy, so a handler that blocks delays only its own connection (measured: six
/// handlers sleeping 3 s did not delay a static file). A shared concurrent handler queue was
/// both slower (a thread hop per request) and starved once a few handlers blocked. Streamed
/// bodies are produced on a queue of their own for the same reason.
final class Connection: @unchecked Sendable {
    typealias Action = ConnectionStateMachine.Action

    let fd: Int32
    let remoteAddress: String
    let queue: DispatchQueue
    private let core: ServerCore
    private var machine: ConnectionStateMachine

    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private let timer: DispatchSourceTimer
    private var timerArmedFor: ContinuousClock.Instant?
    /// Dispatch sources must be resumed as often as suspended, so their state is tracked here.
    private var readSuspended = false
    /// The last send would have blocked: the write source is watching until the socket drains.
    private var waitingForWritable = false
    private var pendingCancelHandlers = 2
    /// The socket is released (the machine may have asked, or an I/O error or deadline forced it).
    private(set) var closed = false
    /// Woken when a streaming handler waits for the peer to read.
    private var streamWaiter: DispatchSemaphore?
    /// The file of a request body being spooled (the machine's `spool` is not `.none`), or of a
    /// completed one until its handler returns.
    private var spoolFile: SpoolFile?

    private static let readChunk = 64 * 1024

    init(fd: Int32, remoteAddress: String, core: ServerCore) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.core = core
        self.queue = DispatchQueue(label: "http.connection")
        self.machine = ConnectionStateMachine(limits: core.parserLimits, timeouts: core.timeouts, now: .now,
                                              bodyHandling: core.bodyHandling)
        self.timer = DispatchSource.makeTimerSource(queue: queue)
    }

    func start() {
        queue.async { [self] in
            let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            read.setEventHandler { [weak self] in self?.handleReadable() }
            read.setCancelHandler { [self] in cancelHandlerFinished() }
            let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            write.setEventHandler { [weak self] in self?.handleWritable() }
            write.setCancelHandler { [self] in cancelHandlerFinished() }
            readSource = read
            writeSource = write
            timer.setEventHandler { [weak self] in self?.handleTimer() }
            timer.schedule(deadline: .distantFuture)
            timer.resume()
            read.resume()
            settle()
        }
    }

    /// Shutdown: close now if idle, else after the exchange in progress.
    func drain() {
        queue.async { [self] in
            guard !closed else { return }
            run(machine.drain(at: .now))
        }
    }

    /// Deadline passed: drop the connection whatever it is doing.
    func forceClose() { queue.async { [self] in close() } }

    // MARK: Executing actions

    /// Executes actions until the machine waits, writing pending output along the way.
    private func run(_ first: Action) {
        var action = first
        while !closed {
            switch action {
            case .handle(let request):
                action = handle(request)
            case .answer(let error):
                action = answer(error)
            case .openSpool(let policy):
                action = openSpool(policy)
            case .appendToSpool(let bytes):
                action = appendToSpool(bytes)
            case .discardSpool(let then):
                discardSpool()
                action = then
            case .shutdownOutput:
                Glibc.shutdown(fd, Int32(SHUT_WR))
                action = .wait
            case .close:
                close()
            case .wait:
                if machine.hasPendingOutput && !waitingForWritable {
                    action = writeOnce()
                } else {
                    settle()
                    return
                }
            }
        }
    }

    /// Watches the socket for what the machine needs next and arms its deadline.
    private func settle() {
        if !machine.isOutputFull, let waiter = streamWaiter {
            streamWaiter = nil
            waiter.signal()
        }
        updateReadInterest()
        updateTimer()
    }

    // MARK: Reading

    private func handleReadable() {
        guard !closed else { return }
        withUnsafeTemporaryAllocation(byteCount: Self.readChunk, alignment: 16) { chunk in
            while true {
                let count = Glibc.read(fd, chunk.baseAddress, chunk.count)
                if count > 0 {
                    run(machine.received(UnsafeRawBufferPointer(rebasing: chunk[0..<count]), at: .now))
                } else if count == 0 {
                    run(machine.inputEnded(at: .now))
                } else if errno == EINTR {
                    continue
                } else if errno != EAGAIN && errno != EWOULDBLOCK {
                    close()   // ECONNRESET and friends: the peer is gone.
                }
                return   // more input raises the (level-triggered) source again
            }
        }
    }

    /// Reads while the machine wants input; pauses otherwise (backpressure), and stops for
    /// good at end of input.
    private func updateReadInterest() {
        guard let readSource, !closed else { return }
        let wanted = machine.wantsInput
        if wanted && readSuspended {
            readSource.resume()
            readSuspended = false
        } else if !wanted && !readSuspended {
            readSource.suspend()
            readSuspended = true
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

    private func handle(_ parsed: ParsedRequest) -> Action {
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
        }
        defer { discardSpool() }   // unless the handler moved it into place
        let response: HTTPResponse
        do {
            response = try core.handler(request)
        } catch {
            response = .problem(status: .internalServerError, detail: "the request handler failed")
        }
        return respond(response, context: context)
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
        let (open, waiter): (Bool, DispatchSemaphore?) = queue.sync {
            guard !closed else { return (false, nil) }
            run(machine.streamed(bytes, at: .now))
            guard !closed else { return (false, nil) }
            guard machine.isOutputFull else { return (true, nil) }
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

    fileprivate func streamFinished(context: ExchangeContext, status: HTTPStatus, bodyBytes: Int) {
        queue.async { [self] in
            logExchange(context: context, status: status, bodyBytes: bodyBytes)
            guard !closed else { return }
            run(machine.streamFinished(at: .now))
        }
    }

    fileprivate var isOpen: Bool { queue.sync { !closed } }

    // MARK: Writing

    /// One send of the pending output; the machine hears how far it got.
    private func writeOnce() -> Action {
        let (sent, error) = machine.withPendingOutput { bytes in
            let sent = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            return (sent, errno)
        }
        if sent > 0 { return machine.wrote(sent, at: .now) }
        if sent < 0 && error == EINTR { return .wait }
        if sent < 0 && (error == EAGAIN || error == EWOULDBLOCK) {
            waitingForWritable = true
            writeSource?.resume()
            return .wait
        }
        return .close   // EPIPE, ECONNRESET: a normal end.
    }

    private func handleWritable() {
        guard !closed, waitingForWritable else { return }
        waitingForWritable = false
        writeSource?.suspend()
        run(.wait)
    }

    // MARK: Closing

    private func close() {
        guard !closed else { return }
        closed = true
        machine.connectionLost()
        discardSpool()
        timer.cancel()
        if let readSource {
            readSource.cancel()
            if readSuspended { readSource.resume() }
        }
        if let writeSource {
            writeSource.cancel()
            if !waitingForWritable { writeSource.resume() }
        }
        if readSource == nil { Glibc.close(fd) }
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
        timerArmedFor = nil
        guard !closed else { return }
        run(machine.timerFired(at: .now))
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
