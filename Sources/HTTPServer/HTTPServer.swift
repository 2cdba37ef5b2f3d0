import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A strict HTTP/1.1 server on non-blocking sockets and Dispatch (see README "HTTP server").
///
/// ```swift
/// let router = Router()
/// router.add(.get, "/healthz") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: Array("ok".utf8)) }
/// let server = HTTPServer(configuration: HTTPServerConfiguration(), handler: router.handler)
/// let port = try server.start()
/// server.runUntilTerminated()
/// ```
public final class HTTPServer: Sendable {
    /// The listening socket, once started. Unchecked only because swift-corelibs-libdispatch
    /// does not mark its (thread-safe) source objects Sendable.
    private struct Listener: @unchecked Sendable {
        var fd: Int32 = -1
        var source: DispatchSourceRead?
        /// Out of descriptors: the source is suspended for a moment.
        var paused = false
    }

    private let core: ServerCore
    private let listener = Mutex(Listener())
    private let acceptQueue = DispatchQueue(label: "http.accept")

    /// `bodyHandling` says which requests have their bodies spooled to disk; `RouteTable.bodyHandling`
    /// gives each route's declaration. By default every body is held in memory.
    ///
    /// `inlineHandler`, when given, is asked first, on the socket's event thread: it answers what
    /// it can without blocking (`RouteTable.respondInline`: cached static files, routes declared
    /// `.inline`) and returns nil for the rest, which `handler` answers on the connection's queue.
    public init(configuration: HTTPServerConfiguration, handler: @escaping HTTPHandler,
                bodyHandling: @escaping BodyHandlingLookup = { _, _ in .inMemory },
                inlineHandler: InlineHTTPHandler? = nil) {
        core = ServerCore(configuration: configuration, handler: handler, bodyHandling: bodyHandling,
                          inlineHandler: inlineHandler)
    }

    /// Binds and listens, then returns the bound port at once; connections are served on
    /// Dispatch queues.
    public func start() throws -> Int {
        signal(SIGPIPE, SIG_IGN)
        guard !EventLoop.shared.isEmpty else {
            throw HTTPServerError("cannot create the event loops: \(String(cString: strerror(errno)))")
        }
        let configuration = core.configuration
        let (fd, port) = try Sockets.listen(host: configuration.host, port: configuration.port)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
        source.setEventHandler { [weak self] in self?.acceptPending() }
        source.setCancelHandler { Glibc.close(fd) }
        listener.withLock { $0 = Listener(fd: fd, source: source) }
        source.resume()
        return port
    }

    /// Stops accepting, lets requests in flight finish (closing idle connections at once), and
    /// after `deadline` seconds drops whatever is still open. Returns when all are closed.
    public func shutdown(deadline: Double = 10) {
        acceptQueue.sync {
            listener.withLock { listener in
                guard let source = listener.source else { return }
                listener.source = nil
                source.cancel()
                if listener.paused { source.resume() }
            }
        }
        core.drainAll()
        let end = Date().addingTimeInterval(deadline)
        while core.openConnections > 0 && Date() < end { usleep(10_000) }
        core.forceCloseAll()
        let hardEnd = Date().addingTimeInterval(1)
        while core.openConnections > 0 && Date() < hardEnd { usleep(10_000) }
        AccessLogWriter.standardOutput.flush()
    }

    /// Blocks until SIGTERM or SIGINT, then shuts down gracefully and returns (a second signal
    /// during the shutdown has its default effect).
    public func runUntilTerminated() {
        TerminationSignals.wait(installed: { signalHandlersInstalled.signal() })
        shutdown()
    }

    /// Signalled once `runUntilTerminated` listens for signals (tests must not signal earlier).
    let signalHandlersInstalled = DispatchSemaphore(value: 0)

    /// Current number of open connections (for metrics).
    public var openConnections: Int { core.openConnections }

    private func acceptPending() {
        let fd = listener.withLock { $0.fd }
        while true {
            guard let (client, remote) = Sockets.accept(fd) else {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO, EPERM:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    pauseAccepting()   // out of descriptors: let connections finish, then retry
                    return
                default:
                    return   // EAGAIN: drained
                }
            }
            core.admit(fd: client, remote: remote)
        }
    }

    /// Resource exhaustion: a level-triggered source would spin, so stop watching briefly.
    private func pauseAccepting() {
        let paused = listener.withLock { listener in
            guard let source = listener.source, !listener.paused else { return false }
            source.suspend()
            listener.paused = true
            return true
        }
        guard paused else { return }
        acceptQueue.asyncAfter(deadline: .now() + 0.1) { [weak self] in
            self?.listener.withLock { listener in
                guard listener.paused, let source = listener.source else { return }
                listener.paused = false
                source.resume()
            }
        }
    }
}

/// What connections share: configuration, handler, queues, and the registry of open ones.
final class ServerCore: Sendable {
    private struct Registry {
        var connections: [ObjectIdentifier: Connection] = [:]
        var draining = false
    }

    let configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    let inlineHandler: InlineHTTPHandler?
    let bodyHandling: BodyHandlingLookup
    let parserLimits: ParserLimits
    let timeouts: ConnectionStateMachine.Timeouts
    let preparer = ResponsePreparer(dateCache: DateHeaderCache(), gzipCache: GzipCache())
    private let registry = Mutex(Registry())
    /// `Registry.draining`, readable on every response without the lock.
    private let drainingFlag = Atomic(false)

    init(configuration: HTTPServerConfiguration, handler: @escaping HTTPHandler, bodyHandling: @escaping BodyHandlingLookup,
         inlineHandler: InlineHTTPHandler?) {
        self.configuration = configuration
        self.handler = handler
        self.inlineHandler = inlineHandler
        self.bodyHandling = bodyHandling
        var limits = ParserLimits()
        limits.maxBody = configuration.maxBodySize
        self.parserLimits = limits
        self.timeouts = ConnectionStateMachine.Timeouts(
            head: .seconds(configuration.headTimeout), body: .seconds(configuration.bodyTimeout),
            idle: .seconds(configuration.idleTimeout), write: .seconds(configuration.writeTimeout))
    }

    /// Shutdown has begun: every response from now on closes its connection.
    var isDraining: Bool { drainingFlag.load(ordering: .acquiring) }

    var openConnections: Int { registry.withLock { $0.connections.count } }

    func admit(fd: Int32, remote: String) {
        let connection = registry.withLock { registry -> Connection? in
            guard registry.connections.count < configuration.maxConnections, !registry.draining else { return nil }
            let admitted = Connection(fd: fd, remoteAddress: remote, core: self)
            registry.connections[ObjectIdentifier(admitted)] = admitted
            return admitted
        }
        guard let connection else {
            refuse503(fd: fd, remote: remote)
            return
        }
        connection.start()
    }

    private func refuse503(fd: Int32, remote: String) {
        let response = HTTPResponse.problem(status: .serviceUnavailable, detail: "too many open connections; retry shortly")
        var headers = response.headers
        headers.set("Connection", "close")
        headers.set("Retry-After", "1")
        if case .bytes(let body) = response.body {
            headers.set("Content-Length", String(body.count))
            Sockets.refuse(fd, with: ResponsePreparer.serializeHead(status: .serviceUnavailable, headers: headers) + body)
            configuration.accessLog?("\(remote) - - 503 \(body.count) 0.0ms")
        }
        // Give the client a moment to read the answer before the descriptor goes away.
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { Glibc.close(fd) }
    }

    func connectionClosed(_ connection: Connection) {
        _ = registry.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    func drainAll() {
        let open = registry.withLock { registry in
            registry.draining = true
            drainingFlag.store(true, ordering: .releasing)
            return Array(registry.connections.values)
        }
        open.forEach { $0.drain() }
    }

    func forceCloseAll() {
        registry.withLock { Array($0.connections.values) }.forEach { $0.forceClose() }
    }
}
