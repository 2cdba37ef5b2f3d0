#if POSTGRES
import Foundation
import PostgresNIO

/// What front ends and supervisors need: idempotency keys, the change feed, deletes, and ending
/// a dead worker's leases.
extension PostgresWorkStore {
    /// Gives `jobIDs` the next number of the store-wide change sequence (one number per
    /// transaction); `freesWork` also moves the work sequence and notifies idle workers. The last
    /// statement of a transaction: the sequence's row is locked until COMMIT, so numbers are
    /// taken in commit order and a reader never passes over one that commits later. The job rows
    /// are locked first (sorted), keeping the lock order units, jobs, sequence.
    static func touch(_ db: PostgresTransaction, _ jobIDs: [String], freesWork: Bool) throws {
        let ids = Array(Set(jobIDs)).sorted()
        let work = freesWork ? 1 : 0
        // One round trip: `bumped` reads `locked`, so the job rows are locked before the sequence's.
        // A data-modifying WITH runs once whatever the main statement matches: with no job (a
        // delete) only the sequence moves.
        try db.execute("""
            WITH locked AS (SELECT id FROM jobs WHERE id = ANY(\(ids)::text[]) ORDER BY id FOR UPDATE),
                 bumped AS (UPDATE store_sequence SET change_seq = change_seq + 1, work_seq = work_seq + \(work)
                            WHERE id = 1 AND (SELECT count(*) FROM locked) >= 0 RETURNING change_seq)
            UPDATE jobs SET change_seq = bumped.change_seq FROM bumped WHERE jobs.id = ANY(\(ids)::text[])
            """)
        if freesWork { try notifyWork(db) }
    }

    static func sequences(_ db: PostgresTransaction) throws -> (change: Int, work: Int) {
        guard let row = try db.row("SELECT change_seq, work_seq FROM store_sequence WHERE id = 1") else { return (0, 0) }
        return (try row["change_seq"].decode(Int.self), try row["work_seq"].decode(Int.self))
    }

    public func job(idempotencyKey: String) throws -> StoredJob? {
        try read { db in try db.row("SELECT * FROM jobs WHERE idempotency_key = \(idempotencyKey)").map(Self.job) }
    }

    public func changes(after sequence: Int) throws -> StoreChanges {
        try read { db in
            // The sequence first: a change committed while the jobs are read is then at worst
            // reported again next time, never missed.
            let latest = try Self.sequences(db).change
            let jobs = try db.rows("SELECT * FROM jobs WHERE change_seq > \(sequence) ORDER BY created_at, seq").map(Self.job)
            let deleted = try db.rows("SELECT id FROM deleted_jobs WHERE seq > \(sequence) ORDER BY seq")
                .map { try $0["id"].decode(String.self) }
            return StoreChanges(jobs: jobs, deletedJobIDs: deleted,
                                sequence: max(latest, jobs.map(\.changeSequence).max() ?? latest))
        }
    }

    @discardableResult
    public func delete(jobID: String) throws -> Bool {
        try write { db in
            // Units, their dependencies and attempts, rows and artifact records go with the job (ON DELETE CASCADE).
            guard try db.execute("DELETE FROM jobs WHERE id = \(jobID)") > 0 else { return false }
            try Self.touch(db, [], freesWork: false)
            try db.execute("""
                INSERT INTO deleted_jobs (id, seq) VALUES (\(jobID), (SELECT change_seq FROM store_sequence WHERE id = 1))
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq
                """)
            return true
        }
    }

    @discardableResult
    public func expireLeases(of worker: String, reason: String) throws -> Int {
        try write { db in
            let jobs = try Self.expireLeases(db, owner: worker, reason: reason)
            if !jobs.isEmpty { try Self.touch(db, jobs, freesWork: true) }
            return jobs.count
        }
    }
}
#endif
