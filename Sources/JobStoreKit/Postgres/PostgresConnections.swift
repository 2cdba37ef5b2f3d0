#if POSTGRES
import Foundation
import PostgresNIO

/// The store's connections: an event loop group it owns (one thread, shut down on `close`) and
/// a pool of idle connections, each used by one caller at a time. The store's API is synchronous,
/// so a call waits on a future from its own thread; the event loop's thread never waits, which
/// is what keeps this free of deadlocks (never call the store from inside an event loop).
final class PostgresConnections: @unchecked Sendable {
    let url: PostgresURL
    private let group: MultiThreadedEventLoopGroup
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var state = State.open
    private var nextID = 0
    /// How long a new connection's handshake or a statement may go unanswered before the
    /// connection is given up. Around a server restart a front end's refresher once waited for
    /// ever on such a future (its job stopped changing; shutdown waited on it too).
    var answerSeconds = 30.0

    private enum State { case open, closed }

    init(url: PostgresURL) throws {
        self.url = url
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: .disable)
        if url.tls == .require {
            configuration.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
        var logger = Logger(label: "prunelab-store-postgres")
        logger.logLevel = .critical  // failures reach the caller as errors, not log lines
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Runs `body` in one transaction (READ COMMITTED) on a pooled connection, with the database's
    /// clock read once. When the connection turns out to be broken before COMMIT was sent (the
    /// server restarted since it was last used), the transaction is run again once on a new
    /// connection: the server rolled the broken one back, so nothing happened twice. A transaction
    /// the server aborted to break a deadlock is run again once too.
    @discardableResult
    func transaction<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        var lastFailure: (any Error)?
        for _ in 0..<2 {
            let connection = try checkOut()
            var committing = false
            do {
                let transaction = PostgresTransaction(connection: connection, logger: logger, now: 0, answerSeconds: answerSeconds)
                try transaction.execute("BEGIN")
                let now = try transaction.readClock()
                let result = try body(PostgresTransaction(connection: connection, logger: logger, now: now, answerSeconds: answerSeconds))
                committing = true
                try transaction.execute("COMMIT")
                checkIn(connection)
                return result
            } catch {
                guard PostgresStoreError.isDriverError(error) else {
                    // The store's own refusal (e.g. a lost lease): undo and keep the connection.
                    rollBack(connection)
                    throw error
                }
                if PostgresStoreError.isConnectionFailure(error) || connection.isClosed {
                    discard(connection)
                    lastFailure = error
                    if committing { throw PostgresStoreError.from(error, url: url, connecting: false) }
                    continue
                }
                rollBack(connection)
                // A deadlock the server broke by aborting this transaction: nothing of it happened, run it again.
                if !committing, PostgresStoreError.isDeadlock(error) {
                    lastFailure = error
                    continue
                }
                throw PostgresStoreError.from(error, url: url, connecting: false)
            }
        }
        guard let lastFailure else { throw PostgresStoreError.connectionLost(url: url.redacted, reason: "no attempt was made") }
        throw PostgresStoreError.from(lastFailure, url: url, connecting: false)
    }

    /// Runs `body` on a pooled connection outside a transaction (statements that refuse one).
    @discardableResult
    func withConnection<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        let connection = try checkOut()
        do {
            let result = try body(PostgresTransaction(connection: connection, logger: logger, now: 0, answerSeconds: answerSeconds))
            checkIn(connection)
            return result
        } catch {
            if connection.isClosed || PostgresStoreError.isConnectionFailure(error) { discard(connection) } else { checkIn(connection) }
            throw PostgresStoreError.isDriverError(error) ? PostgresStoreError.from(error, url: url, connecting: false) : error
        }
    }

    /// A new connection not in the pool, for LISTEN; the caller closes it.
    func connect() throws -> PostgresConnection {
        let id: Int = lock.withLock {
            nextID += 1
            return nextID
        }
        do {
            let connecting = PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger)
            return try waitAtMost(answerSeconds, for: connecting) {
                // A connection that arrives after all is closed at once.
                connecting.whenSuccess(closeHoldingIt)
            }
        } catch {
            throw PostgresStoreError.from(error, url: url, connecting: true)
        }
    }

    /// Closes every connection and stops the event loop. Calls still running fail.
    func close() {
        let connections: [PostgresConnection]? = lock.withLock {
            guard state == .open else { return nil }
            state = .closed
            defer { idle.removeAll() }
            return idle
        }
        guard let connections else { return }
        for connection in connections { try? (connection.close() as EventLoopFuture<Void>).wait() }
        try? group.syncShutdownGracefully()
    }

    deinit { close() }

    // MARK: - The pool

    private func checkOut() throws -> PostgresConnection {
        let reused: PostgresConnection?? = lock.withLock {
            guard state == .open else { return .none }
            while let connection = idle.popLast() {
                if !connection.isClosed { return .some(connection) }
            }
            return .some(nil)
        }
        switch reused {
        case .none: throw PostgresStoreError.closed(url: url.redacted)
        case let .some(connection?): return connection
        case .some(nil): return try connect()
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        let keep: Bool = lock.withLock {
            guard state == .open, !connection.isClosed else { return false }
            idle.append(connection)
            return true
        }
        if !keep { discard(connection) }
    }

    /// Closes a connection leaving the pool.
    private func discard(_ connection: PostgresConnection) {
        closeHoldingIt(connection)
    }

    private func rollBack(_ connection: PostgresConnection) {
        do {
            try PostgresTransaction(connection: connection, logger: logger, now: 0, answerSeconds: answerSeconds).execute("ROLLBACK")
            checkIn(connection)
        } catch {
            discard(connection)
        }
    }
}

/// One connection inside `PostgresConnections.transaction`, with the database's time.
struct PostgresTransaction {
    let connection: PostgresConnection
    let logger: Logger
    /// Seconds since 1970 on the database's clock, read at the transaction's start.
    let now: Double
    /// How long a statement may go unanswered (`PostgresConnections.answerSeconds`).
    let answerSeconds: Double

    /// Runs a statement; the number of rows it changed (or returned).
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try answer(connection.query(query, logger: logger)).metadata.rows ?? 0
    }

    /// The statement's result, or `NoAnswer` after `answerSeconds`, the connection then closed
    /// (which also fails the statement's future, so nothing is left waiting on it).
    private func answer<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        try waitAtMost(answerSeconds, for: future) { closeHoldingIt(connection) }
    }

    /// Runs a query; its rows, each addressable by column name.
    /// Runs SQL text with no parameters (DDL, the tests' CREATE DATABASE).
    @discardableResult
    func execute(sql: String) throws -> Int {
        try execute(PostgresQuery(unsafeSQL: sql))
    }

    func rows(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        try answer(connection.query(query, logger: logger)).rows.map { $0.makeRandomAccess() }
    }

    func row(_ query: PostgresQuery) throws -> PostgresRandomAccessRow? {
        try rows(query).first
    }

    /// The database's clock now (not the transaction's start, which `now()` would give).
    func readClock() throws -> Double {
        guard let row = try row("SELECT extract(epoch FROM clock_timestamp())::float8 AS now") else { return 0 }
        return try row["now"].decode(Double.self)
    }
}
/// Closes `connection`, the closure holding it until the close completes: postgres-nio asserts
/// that a connection is closed before it is freed, and a broken one freed at once (the server
/// restarted under it) crashed debug builds.
func closeHoldingIt(_ connection: PostgresConnection) {
    (connection.close() as EventLoopFuture<Void>).whenComplete { _ in withExtendedLifetime(connection) {} }
}

/// `future`'s value, waiting at most `seconds`; after that `giveUp` runs and `NoAnswer` is thrown.
/// The store's API is synchronous, so its callers wait on futures from their own threads.
func waitAtMost<T: Sendable>(_ seconds: Double, for future: EventLoopFuture<T>, giveUp: () -> Void) throws -> T {
    let answered = DispatchSemaphore(value: 0)
    future.whenComplete { _ in answered.signal() }
    guard answered.wait(timeout: .now() + seconds) == .success else {
        giveUp()
        throw NoAnswer(seconds: seconds)
    }
    return try future.wait()
}
#endif
