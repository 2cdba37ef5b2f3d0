import Foundation
import GRDB

/// What front ends and supervisors need: idempotency keys, the change feed, deletes, ending a dead
/// worker's leases, and waiting for work.
extension SQLiteWorkStore {
    /// Gives `jobID` the next number of the store-wide change sequence; `freesWork` also moves the
    /// work sequence idle workers wait on (a unit may have become claimable).
    static func touch(_ db: Database, _ jobID: String, freesWork: Bool) throws {
        try db.execute(sql: """
            UPDATE store_sequence SET change_seq = change_seq + 1, work_seq = work_seq + ? WHERE id = 1
            """, arguments: [freesWork ? 1 : 0])
        try db.execute(sql: "UPDATE jobs SET change_seq = (SELECT change_seq FROM store_sequence WHERE id = 1) WHERE id = ?",
                       arguments: [jobID])
    }

    static func sequences(_ db: Database) throws -> (change: Int, work: Int) {
        let row = try Row.fetchOne(db, sql: "SELECT change_seq, work_seq FROM store_sequence WHERE id = 1")
        return (row?["change_seq"] ?? 0, row?["work_seq"] ?? 0)
    }

    public func job(idempotencyKey: String) throws -> StoredJob? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE idempotency_key = ?", arguments: [idempotencyKey]).map(Self.job)
        }
    }

    public func changes(after sequence: Int) throws -> StoreChanges {
        // One read transaction: the jobs, the tombstones and the sequence are one snapshot.
        try pool.read { db in
            let jobs = try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE change_seq > ? ORDER BY created_at, rowid",
                                        arguments: [sequence]).map(Self.job)
            let deleted = try String.fetchAll(db, sql: "SELECT id FROM deleted_jobs WHERE seq > ? ORDER BY seq",
                                              arguments: [sequence])
            return StoreChanges(jobs: jobs, deletedJobIDs: deleted, sequence: try Self.sequences(db).change)
        }
    }

    @discardableResult
    public func delete(jobID: String) throws -> Bool {
        try write { db, _ in
            // Units, their dependencies and attempts, rows and artifact records go with the job (ON DELETE CASCADE).
            try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [jobID])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "UPDATE store_sequence SET change_seq = change_seq + 1 WHERE id = 1")
            try db.execute(sql: """
                INSERT INTO deleted_jobs (id, seq) VALUES (?, (SELECT change_seq FROM store_sequence WHERE id = 1))
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq
                """, arguments: [jobID])
            return true
        }
    }

    @discardableResult
    public func expireLeases(of worker: String, reason: String) throws -> Int {
        try write { db, now in try Self.expireLeases(db, now: now, owner: worker, reason: reason) }
    }

    /// Polls the work sequence every 150 ms (a read in WAL mode takes no lock) until it moves
    /// past its value at the call, or `timeout` passes.
    public func waitForWork(timeout: Double) throws {
        guard timeout.isFinite, timeout >= 0 else {
            throw WorkStoreError.invalidArgument("timeout must be a finite number of seconds >= 0, got \(timeout)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        let start = try pool.read { try Self.sequences($0).work }
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return }
            usleep(useconds_t(min(left, Self.workPollInterval) * 1_000_000))
            if try pool.read({ try Self.sequences($0).work }) != start { return }
        }
    }

    static let workPollInterval = 0.15
}
