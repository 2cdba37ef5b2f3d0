/// The protocol side of one HTTP/1.1 connection, as a value type with no I/O: it owns the input
/// and output buffers and the request parser, decides what happens next, and gives the one
/// deadline that matters now. `Connection` feeds it socket events and executes its actions;
/// tests drive it with bytes and instants of their choosing.
///
/// Every event returns the next `Action`. The socket side runs actions until `.wait`, writing
/// `pendingOutput` whenever it is not empty (responses go out strictly in request order).
struct ConnectionStateMachine {
    typealias Instant = ContinuousClock.Instant

    /// Where the connection stands.
    enum State: Equatable {
        /// Between requests, nothing of the next one buffered (or what is buffered was abandoned).
        case idle(since: Instant)
        /// Part of a request head has arrived.
        case readingHead(since: Instant)
        /// The head is complete (or `100 Continue` was sent); the body is arriving.
        case readingBody(since: Instant)
        /// The handler has the request (or a problem answer is being made): later requests wait.
        case handling
        /// A streamed response is open: later requests wait.
        case streaming(chunked: Bool)
        /// The last response is out and the output shut down; input is read and dropped until
        /// the peer's FIN, so that unread bytes do not turn the close into a reset.
        case lingering(since: Instant)
        case closed
    }

    /// What becomes of the connection once the exchange in progress is over.
    enum Persistence: Equatable {
        case keepAlive
        /// The client asked, the request broke the rules, the peer half-closed, or shutdown.
        case closeAfterResponse
    }

    /// Whether the peer may still send bytes.
    enum PeerInput: Equatable {
        case open
        /// FIN received: no request after the buffered ones will ever come.
        case ended
    }

    /// The temporary file of a body being spooled (its route opted in), as the machine sees it.
    enum Spool: Equatable {
        case none
        /// Asked for (`.openSpool`) and not yet confirmed.
        case opening
        /// Open; `written` bytes are on disk.
        case open(written: Int)
        /// A piece is being written (`.appendToSpool`).
        case writing(written: Int, pending: Int)
    }

    indirect enum Action {
        /// Nothing to do until the next event (apart from writing `pendingOutput`).
        case wait
        /// Create the temporary file for a spooled body; then report `spoolReady` or `spoolFailed`.
        case openSpool(SpoolPolicy)
        /// Append these body bytes to the spool file; then report `spoolReady` or `spoolFailed`.
        case appendToSpool([UInt8])
        /// The body will never complete: delete the spool file, then carry out `then`.
        case discardSpool(then: Action)
        /// Run the handler; then report `responseReady` or `streamStarted`.
        case handle(ParsedRequest)
        /// Answer with this problem and close; report it with `responseReady(keepAlive: false)`.
        case answer(HTTPParseError)
        /// Shut the output down (FIN) and go on reading only to drain the peer.
        case shutdownOutput
        /// Close the socket.
        case close
    }

    enum TimeoutKind: Equatable { case idle, head, body, write, linger }

    struct Deadline: Equatable {
        var instant: Instant
        var kind: TimeoutKind
    }

    struct Timeouts {
        var head: Duration
        var body: Duration
        var idle: Duration
        var write: Duration
        var linger: Duration = .seconds(2)
    }

    /// Pipelined bytes buffered before reading pauses (backpressure on the peer).
    static let inputHighWater = 256 * 1024
    /// Unsent output beyond which no further request is parsed and streams wait.
    static let outputHighWater = 256 * 1024
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private(set) var state: State
    private(set) var persistence = Persistence.keepAlive
    private(set) var peerInput = PeerInput.open
    private(set) var spool = Spool.none
    let timeouts: Timeouts
    private var parser: RequestParser
    private var input = ByteBuffer()
    private var output = ByteBuffer()
    /// When the output last moved (or became non-empty): the write timeout counts from here.
    private var lastWriteProgress: Instant

    init(limits: ParserLimits, timeouts: Timeouts, now: Instant,
         bodyHandling: @escaping BodyHandlingLookup = { _, _ in .inMemory }) {
        self.parser = RequestParser(limits: limits, bodyHandling: bodyHandling)
        self.timeouts = timeouts
        self.state = .idle(since: now)
        self.lastWriteProgress = now
    }

    // MARK: Queries

    var isClosed: Bool { state == .closed }
    var bufferedInputCount: Int { input.readableCount }
    var hasPendingOutput: Bool { !output.isEmpty }
    var pendingOutputCount: Int { output.readableCount }
    /// A streaming producer should wait for the peer to read.
    var isOutputFull: Bool { output.readableCount > Self.outputHighWater }
    /// Whether the socket should be watched for input now.
    var wantsInput: Bool {
        guard peerInput == .open else { return false }
        switch state {
        case .closed: return false
        case .lingering: return true
        default: return input.readableCount < Self.inputHighWater
        }
    }

    func withPendingOutput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try output.withUnsafeReadableBytes(body)
    }

    /// The one deadline in force: linger, else write progress while output waits, else the
    /// phase of the request being read. None while a handler runs with nothing to send.
    func nextDeadline() -> Deadline? {
        switch state {
        case .closed: return nil
        case .lingering(let since): return Deadline(instant: since + timeouts.linger, kind: .linger)
        default: break
        }
        if !output.isEmpty { return Deadline(instant: lastWriteProgress + timeouts.write, kind: .write) }
        switch state {
        case .idle(let since): return Deadline(instant: since + timeouts.idle, kind: .idle)
        case .readingHead(let since): return Deadline(instant: since + timeouts.head, kind: .head)
        case .readingBody(let since): return Deadline(instant: since + timeouts.body, kind: .body)
        case .handling, .streaming, .lingering, .closed: return nil
        }
    }

    // MARK: Socket events

    /// Bytes arrived from the peer.
    mutating func received(_ bytes: UnsafeRawBufferPointer, at now: Instant) -> Action {
        switch state {
        case .closed, .lingering: return .wait   // dropped: only the FIN matters now
        default:
            input.append(bytes)
            return advance(at: now)
        }
    }

    mutating func received(_ bytes: [UInt8], at now: Instant) -> Action {
        bytes.withUnsafeBytes { received($0, at: now) }
    }

    /// The peer sent FIN. Requests already buffered are still answered.
    mutating func inputEnded(at now: Instant) -> Action {
        peerInput = .ended
        switch state {
        case .closed: return .wait
        case .lingering:
            state = .closed
            return .close
        default: return advance(at: now)
        }
    }

    /// `count` bytes of `pendingOutput` reached the socket.
    mutating func wrote(_ count: Int, at now: Instant) -> Action {
        guard state != .closed else { return .wait }
        output.consume(count)
        if count > 0 { lastWriteProgress = now }
        return advance(at: now)
    }

    /// The socket failed, or the server's deadline passed: the connection is gone (the socket
    /// side deletes an unfinished spool file as it closes).
    mutating func connectionLost() {
        state = .closed
        spool = .none
        input = ByteBuffer()
        output = ByteBuffer()
    }

    /// Shutdown: close now if idle, else after the exchange in progress.
    mutating func drain(at now: Instant) -> Action {
        persistence = .closeAfterResponse
        return advance(at: now)
    }

    /// The timer fired: acts on the deadline if it has passed.
    mutating func timerFired(at now: Instant) -> Action {
        guard let deadline = nextDeadline(), now >= deadline.instant else { return .wait }
        switch deadline.kind {
        case .idle, .write, .linger:
            connectionLost()
            return .close
        case .head:
            return fail(HTTPParseError(408, "request head not received within \(Self.seconds(timeouts.head)) s"))
        case .body:
            return fail(HTTPParseError(408, "request body not received within \(Self.seconds(timeouts.body)) s"))
        }
    }

    // MARK: Spool events

    /// The spool file was opened, or the last piece reached it: go on reading the body. Each
    /// piece on disk restarts the body timeout, so a long upload that keeps moving is not cut off.
    mutating func spoolReady(at now: Instant) -> Action {
        switch spool {
        case .opening:
            spool = .open(written: 0)
        case .writing(let written, let pending):
            spool = .open(written: written + pending)
            if case .readingBody = state { state = .readingBody(since: now) }
        case .none, .open:
            return illegal("spoolReady", now: now)
        }
        return advance(at: now)
    }

    /// The spool file could not be created or written (disk full, folder gone): the request fails.
    mutating func spoolFailed(_ detail: String, at now: Instant) -> Action {
        guard spool != .none else { return illegal("spoolFailed", now: now) }
        return fail(HTTPParseError(.internalServerError, detail))
    }

    // MARK: Handler events

    /// The handler's whole response (head and body) is ready, in answer to `.handle` or `.answer`.
    mutating func responseReady(head: [UInt8], body: [UInt8] = [], keepAlive: Bool, at now: Instant) -> Action {
        guard state == .handling else { return illegal("responseReady", now: now) }
        queue(head, at: now)
        queue(body, at: now)
        if !keepAlive { persistence = .closeAfterResponse }
        state = .idle(since: now)
        return advance(at: now)
    }

    /// The handler answered with a stream: the head goes out now, chunks follow.
    mutating func streamStarted(head: [UInt8], chunked: Bool, keepAlive: Bool, at now: Instant) -> Action {
        guard state == .handling else { return illegal("streamStarted", now: now) }
        queue(head, at: now)
        if !keepAlive { persistence = .closeAfterResponse }
        state = .streaming(chunked: chunked)
        return .wait
    }

    /// One piece of a streamed body (framed as a chunk when the stream is chunked).
    mutating func streamed(_ bytes: [UInt8], at now: Instant) -> Action {
        guard case .streaming(let chunked) = state else { return illegal("streamed", now: now) }
        guard !bytes.isEmpty else { return .wait }   // an empty chunk would end the body
        if chunked { queue(Array((String(bytes.count, radix: 16) + "\r\n").utf8), at: now) }
        queue(bytes, at: now)
        if chunked { queue([CR, LF], at: now) }
        return .wait
    }

    /// The stream's producer returned: the body ends and the next request may be read.
    mutating func streamFinished(at now: Instant) -> Action {
        guard case .streaming(let chunked) = state else { return illegal("streamFinished", now: now) }
        if chunked { queue(Array("0\r\n\r\n".utf8), at: now) }
        state = .idle(since: now)
        return advance(at: now)
    }

    // MARK: Transitions

    /// Reads the next request if one may start, or closes once the last response is out.
    private mutating func advance(at now: Instant) -> Action {
        while true {
            switch state {
            case .handling, .streaming, .lingering, .closed:
                return .wait
            case .idle where persistence == .closeAfterResponse:
                guard output.isEmpty else { return .wait }
                input = ByteBuffer()
                if peerInput == .ended {
                    state = .closed
                    return .close
                }
                state = .lingering(since: now)
                return .shutdownOutput
            case .idle, .readingHead, .readingBody:
                guard output.readableCount < Self.outputHighWater else { return .wait }
                // A spool file being opened or written: nothing more is parsed until it reports back.
                switch spool {
                case .opening, .writing: return .wait
                case .none, .open: break
                }
                let event: RequestParser.Event
                do {
                    event = try parser.parse(&input)
                } catch let error as HTTPParseError {
                    return fail(error)
                } catch {
                    return fail(HTTPParseError(400, "unreadable request"))
                }
                switch event {
                case .request(let request):
                    state = .handling
                    spool = .none   // a spooled body's file now belongs to the exchange
                    return .handle(request)
                case .sendContinue:
                    queue(Self.continueResponse, at: now)
                    state = .readingBody(since: now)
                case .spoolBegins(_, let policy, let sendContinue):
                    if sendContinue { queue(Self.continueResponse, at: now) }
                    state = .readingBody(since: now)
                    spool = .opening
                    return .openSpool(policy)
                case .bodyBytes(let bytes):
                    guard case .open(let written) = spool else { return illegal("bodyBytes", now: now) }
                    spool = .writing(written: written, pending: bytes.count)
                    return .appendToSpool(bytes)
                case .needMore:
                    if peerInput == .ended {
                        // Nothing more will arrive: a partial request can never complete.
                        state = .idle(since: now)
                        persistence = .closeAfterResponse
                        if spool != .none {
                            spool = .none
                            return .discardSpool(then: advance(at: now))
                        }
                        continue
                    }
                    enterPhase(parser.phase(buffer: input), at: now)
                    return .wait
                }
            }
        }
    }

    /// Each phase keeps the instant it began, which its timeout counts from.
    private mutating func enterPhase(_ phase: RequestParser.Phase, at now: Instant) {
        switch (phase, state) {
        case (.idle, .idle), (.head, .readingHead), (.body, .readingBody): break
        case (.idle, _): state = .idle(since: now)
        case (.head, _): state = .readingHead(since: now)
        case (.body, _): state = .readingBody(since: now)
        }
    }

    /// A request that broke the rules or timed out gets a problem answer, then the connection closes.
    private mutating func fail(_ error: HTTPParseError) -> Action {
        state = .handling
        persistence = .closeAfterResponse
        guard spool == .none else {
            spool = .none
            return .discardSpool(then: .answer(error))
        }
        return .answer(error)
    }

    private mutating func queue(_ bytes: [UInt8], at now: Instant) {
        guard !bytes.isEmpty else { return }
        if output.isEmpty { lastWriteProgress = now }
        output.append(bytes)
    }

    /// An event the current state does not allow: ignored once closed (a producer may finish
    /// after the peer left), otherwise a bug in the socket side, never caused by peer input.
    private func illegal(_ event: String, now: Instant) -> Action {
        if state != .closed { assertionFailure("\(event) in state \(state)") }
        return .wait
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return String(seconds) }
        return String(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
