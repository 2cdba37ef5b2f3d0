#if POSTGRES
import Foundation
import PostgresNIO

/// New claimable work wakes idle workers through LISTEN/NOTIFY: `touch` with `freesWork` (an
/// enqueue, a completion that unblocks units, a release, a retry, an expiry) notifies
/// `prunelab_work`, delivered when the transaction commits. Polling is the fallback: while it
/// waits, `waitForWork` reads the work sequence every `workPollInterval`, which covers a pooler
/// that drops LISTEN, or a notification missed while the listener reconnected.
extension PostgresWorkStore {
    static let workChannel = "prunelab_work"
    static let workPollInterval = 1.0

    static func notifyWork(_ db: PostgresTransaction) throws {
        try db.execute("SELECT pg_notify(\(workChannel), '')")
    }

    public func waitForWork(timeout: Double) throws {
        guard timeout.isFinite, timeout >= 0 else {
            throw WorkStoreError.invalidArgument("timeout must be a finite number of seconds >= 0, got \(timeout)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        listener?.listenIfNeeded()
        // The server being away is no reason to stop waiting: the caller's next claim reports it.
        let start = try? read { try Self.sequences($0).work }
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return }
            let slice = min(left, Self.workPollInterval)
            if let listener {
                if listener.wait(timeout: slice) { return }
            } else {
                usleep(useconds_t(slice * 1_000_000))
            }
            if let start, let now = try? read({ try Self.sequences($0).work }), now != start { return }
            listener?.listenIfNeeded()
        }
    }
}

/// The store's listening connection, opened on first use and again after it breaks.
final class PostgresWorkListener: @unchecked Sendable {
    private let connections: PostgresConnections
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private let signals = DispatchSemaphore(value: 0)

    init(connections: PostgresConnections) {
        self.connections = connections
    }

    /// Waits for a notification up to `timeout` seconds; true when one came.
    func wait(timeout: Double) -> Bool {
        let deadline = DispatchTime.now() + .nanoseconds(Int(max(0, timeout) * 1e9))
        guard signals.wait(timeout: deadline) == .success else { return false }
        while signals.wait(timeout: .now()) == .success {}  // one wake-up for a burst of notifications
        return true
    }

    func listenIfNeeded() {
        lock.lock()
        defer { lock.unlock() }
        if let connection, !connection.isClosed { return }
        connection = nil
        guard let fresh = try? connections.connect() else { return }  // polling until the server is back
        let signals = self.signals
        fresh.addListener(channel: PostgresWorkStore.workChannel) { _, _ in signals.signal() }
        connection = fresh
    }

    func close() {
        lock.lock()
        let connection = self.connection
        self.connection = nil
        lock.unlock()
        if let connection { try? (connection.close() as EventLoopFuture<Void>).wait() }
    }
}
#endif
