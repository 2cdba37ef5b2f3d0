import Foundation
import JobStoreKit
import PostgresNIO

/// New claimable work wakes idle workers through LISTEN/NOTIFY: enqueue, a completion that
/// unblocks units, a release and a retry notify `prunelab_work` (delivered when the transaction
/// commits). Polling stays the fallback: `waitForWork` returns after `timeout` anyway, which also
/// covers a pooler that drops LISTEN, or a notification missed while the listener reconnected.
extension PostgresWorkStore {
    static let workChannel = "prunelab_work"

    static func notifyWork(_ db: PostgresTransaction) throws {
        try db.execute("SELECT pg_notify(\(workChannel), '')")
    }

    /// Waits until new work may be claimable or `timeout` seconds pass; true when notified. The
    /// first call starts listening (work added before it is found by the caller's next claim).
    @discardableResult
    public func waitForWork(timeout: Double) -> Bool {
        listener.wait(timeout: timeout)
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

    func wait(timeout: Double) -> Bool {
        listenIfNeeded()
        let deadline = DispatchTime.now() + .nanoseconds(Int(max(0, timeout) * 1e9))
        guard signals.wait(timeout: deadline) == .success else { return false }
        while signals.wait(timeout: .now()) == .success {}  // one wake-up for a burst of notifications
        return true
    }

    private func listenIfNeeded() {
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
