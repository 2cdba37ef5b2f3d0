import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A strict HTTP/1.1 server on non-blocking sockets and Dispatch (see README "HTTP server").
///
/// ```swift
/// let router = Router()
/// router.add("GET", "/healthz") { _ in HTTPResponse(status: 200, contentType: "text/plain", body: Array("ok".utf8)) }
/// let server = HTTPServer(configuration: HTTPServerConfiguration(), handler: router.handler)
/// let port = try server.start()
/// server.runUntilTerminated()
/// ```
public final class HTTPServer: @unchecked Sendable {
    private let core: ServerCore
    private let lock = NSLock()
    private var listenerFD: Int32 = -1
    private var acceptSource: DispatchSourceRead?
    private var acceptPaused = false
    private let acceptQueue = DispatchQueue(label: "http.accept")

    public init(configuration: HTTPServerConfiguration, handler: @escaping HTTPHandler) {
        core = ServerCore(configuration: configuration, handler: handler)
    }

    /// Binds and listens, then returns the bound port at once; connections are served on
    /// Dispatch queues.
    public func start() throws -> Int {
        signal(SIGPIPE, SIG_IGN)
        let configuration = core.configuration
        let (fd, port) = try Sockets.listen(host: configuration.host, port: configuration.port)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
        source.setEventHandler { [weak self] in self?.acceptPending() }
        source.setCancelHandler { Glibc.close(fd) }
        lock.lock()
        listenerFD = fd
        acceptSource = source
        lock.unlock()
        source.resume()
        return port
    }

    /// Stops accepting, lets requests in flight finish (closing idle connections at once), and
    /// after `deadline` seconds drops whatever is still open. Returns when all are closed.
    public func shutdown(deadline: Double = 10) {
        acceptQueue.sync {
            lock.lock()
            let source = acceptSource
            acceptSource = nil
            lock.unlock()
            if let source {
                source.cancel()
                if acceptPaused { source.resume() }
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
        lock.lock()
        let fd = listenerFD
        lock.unlock()
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
        guard let source = acceptSource, !acceptPaused else { return }
        source.suspend()
        acceptPaused = true
        acceptQueue.asyncAfter(deadline: .now() + 0.1) { [weak self] in
            guard let self, self.acceptPaused, let source = self.acceptSource else { return }
            self.acceptPaused = false
            source.resume()
        }
    }
}

/// What connections share: configuration, handler, queues, and the registry of open ones.
final class ServerCore: @unchecked Sendable {
    let configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    let parserLimits: ParserLimits
    let preparer = ResponsePreparer(dateCache: DateHeaderCache(), gzipCache: GzipCache())
    private let lock = NSLock()
    private var connections: [ObjectIdentifier: Connection] = [:]
    private var draining = false

    init(configuration: HTTPServerConfiguration, handler: @escaping HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
        var limits = ParserLimits()
        limits.maxBody = configuration.maxBodySize
        self.parserLimits = limits
    }

    /// Shutdown has begun: every response from now on closes its connection.
    var isDraining: Bool {
        lock.lock()
        defer { lock.unlock() }
        return draining
    }

    var openConnections: Int {
        lock.lock()
        defer { lock.unlock() }
        return connections.count
    }

    func admit(fd: Int32, remote: String) {
        lock.lock()
        let full = connections.count >= configuration.maxConnections
        let refuse = full || draining
        var connection: Connection?
        if !refuse {
            let admitted = Connection(fd: fd, remoteAddress: remote, core: self)
            connections[ObjectIdentifier(admitted)] = admitted
            connection = admitted
        }
        lock.unlock()
        guard let connection else {
            refuse503(fd: fd, remote: remote)
            return
        }
        connection.start()
    }

    private func refuse503(fd: Int32, remote: String) {
        let response = HTTPResponse.problem(status: 503, detail: "too many open connections; retry shortly")
        var headers = response.headers
        headers.set("Connection", "close")
        headers.set("Retry-After", "1")
        if case .bytes(let body) = response.body {
            headers.set("Content-Length", String(body.count))
            Sockets.refuse(fd, with: ResponsePreparer.serializeHead(status: 503, headers: headers) + body)
            configuration.accessLog?("\(remote) - - 503 \(body.count) 0.0ms")
        }
        // Give the client a moment to read the answer before the descriptor goes away.
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { Glibc.close(fd) }
    }

    func connectionClosed(_ connection: Connection) {
        lock.lock()
        connections.removeValue(forKey: ObjectIdentifier(connection))
        lock.unlock()
    }

    func drainAll() {
        lock.lock()
        draining = true
        let open = Array(connections.values)
        lock.unlock()
        open.forEach { $0.drain() }
    }

    func forceCloseAll() {
        lock.lock()
        let open = Array(connections.values)
        lock.unlock()
        open.forEach { $0.forceClose() }
    }
}
