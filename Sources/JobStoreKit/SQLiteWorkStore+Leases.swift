import Foundation
import GRDB

/// Claiming, heartbeats, fenced writes and the ends of an attempt.
extension SQLiteWorkStore {
    public func claim(worker: WorkerIdentity, leaseSeconds: Double) throws -> Lease? {
        guard leaseSeconds > 0, leaseSeconds.isFinite else {
            throw WorkStoreError.invalidArgument("leaseSeconds must be a positive number of seconds, got \(leaseSeconds)")
        }
        return try write { db, now in
            try Self.expireLeases(db, now: now)
            // Oldest job first; in it, trainings first (each unblocks a repeat's lines); then lines of a
            // repeat this worker, then its host, trained (timings compare like with like); then plan order.
            guard let row = try Row.fetchOne(db, sql: """
                SELECT u.job_id, u.key, u.attempts, u.fencing_token
                FROM units u
                JOIN jobs j ON j.id = u.job_id
                WHERE u.state = 'pending' AND u.waiting_on = 0 AND j.state IN ('queued', 'running')
                  AND u.attempts < j.max_attempts
                ORDER BY j.created_at, j.rowid, u.kind <> 'training',
                         CASE WHEN u.trained_by_worker = :worker THEN 0 WHEN u.trained_by_host = :host THEN 1 ELSE 2 END,
                         u.position
                LIMIT 1
                """, arguments: ["worker": worker.id, "host": worker.host])
            else { return nil }
            let jobID: String = row["job_id"], key: String = row["key"]
            let token = (row["fencing_token"] as Int) + 1
            let attempt = (row["attempts"] as Int) + 1
            let expires = now + leaseSeconds
            try db.execute(sql: """
                UPDATE units SET state = 'leased', lease_owner = ?, lease_host = ?, lease_expires_at = ?,
                                 fencing_token = ?, attempts = ?
                WHERE job_id = ? AND key = ?
                """, arguments: [worker.id, worker.host, expires, token, attempt, jobID, key])
            try db.execute(sql: """
                INSERT INTO unit_attempts (job_id, unit_key, fencing_token, worker, host, started_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [jobID, key, token, worker.id, worker.host, now])
            try db.execute(sql: """
                UPDATE jobs SET state = 'running', started_at = coalesce(started_at, ?) WHERE id = ? AND state = 'queued'
                """, arguments: [now, jobID])
            try Self.touch(db, jobID, freesWork: false)
            return Lease(jobID: jobID, unitKey: key, worker: worker, fencingToken: token, attempt: attempt, expiresAt: expires)
        }
    }

    public func heartbeat(_ lease: Lease, leaseSeconds: Double) throws -> LeaseStatus {
        try heartbeat(lease, leaseSeconds: leaseSeconds, progressJSON: nil)
    }

    public func heartbeat(_ lease: Lease, leaseSeconds: Double, progressJSON: String?) throws -> LeaseStatus {
        guard leaseSeconds > 0, leaseSeconds.isFinite else {
            throw WorkStoreError.invalidArgument("leaseSeconds must be a positive number of seconds, got \(leaseSeconds)")
        }
        return try write { db, now in
            switch try Self.check(db, lease, now: now) {
            case .cancelled: return .cancelled
            case let .lost(reason): return .lost(reason)
            case .held:
                let expires = now + leaseSeconds
                try db.execute(sql: "UPDATE units SET lease_expires_at = ? WHERE job_id = ? AND key = ? AND fencing_token = ?",
                               arguments: [expires, lease.jobID, lease.unitKey, lease.fencingToken])
                // Only progress is news to a front end; a bare renewal takes no sequence number.
                if let progressJSON {
                    try db.execute(sql: "UPDATE units SET progress_json = ? WHERE job_id = ? AND key = ?",
                                   arguments: [progressJSON, lease.jobID, lease.unitKey])
                    try Self.touch(db, lease.jobID, freesWork: false)
                }
                return .held(expiresAt: expires)
            }
        }
    }

    @discardableResult
    public func record(_ rows: [RowWrite], under lease: Lease) throws -> Int {
        try write { db, now in
            try Self.requireHeld(db, lease, now: now)
            var inserted = 0
            for row in rows {
                try db.execute(sql: """
                    INSERT INTO result_rows (job_id, point_key, csv_row, unit_key, fencing_token, host, cpu, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, point_key) DO NOTHING
                    """, arguments: [lease.jobID, row.pointKey, row.csvRow, lease.unitKey, lease.fencingToken, row.host, row.cpu, now])
                inserted += db.changesCount
            }
            if inserted > 0 { try Self.touch(db, lease.jobID, freesWork: false) }
            return inserted
        }
    }

    public func complete(_ lease: Lease) throws {
        try write { db, now in
            try Self.requireHeld(db, lease, now: now)
            try db.execute(sql: """
                UPDATE units SET state = 'done', lease_owner = NULL, lease_host = NULL, lease_expires_at = NULL,
                                 done_by_worker = ?, done_by_host = ?
                WHERE job_id = ? AND key = ?
                """, arguments: [lease.worker.id, lease.worker.host, lease.jobID, lease.unitKey])
            try Self.closeAttempt(db, lease.jobID, lease.unitKey, lease.fencingToken, .done, reason: nil, now: now)
            try db.execute(sql: """
                UPDATE units SET waiting_on = waiting_on - 1
                WHERE job_id = ? AND key IN (SELECT unit_key FROM unit_dependencies WHERE job_id = ? AND dependency_key = ?)
                """, arguments: [lease.jobID, lease.jobID, lease.unitKey])
            // A training's lines remember who trained their repeat.
            try db.execute(sql: """
                UPDATE units SET trained_by_worker = ?, trained_by_host = ?
                WHERE job_id = ? AND kind = 'line'
                  AND repeat_index = (SELECT repeat_index FROM units WHERE job_id = ? AND key = ? AND kind = 'training')
                """, arguments: [lease.worker.id, lease.worker.host, lease.jobID, lease.jobID, lease.unitKey])
            let left = try Int.fetchOne(db, sql: "SELECT count(*) FROM units WHERE job_id = ? AND state <> 'done'",
                                        arguments: [lease.jobID]) ?? 0
            if left == 0 {
                try db.execute(sql: "UPDATE jobs SET state = 'succeeded', finished_at = ? WHERE id = ? AND state = 'running'",
                               arguments: [now, lease.jobID])
            }
            try Self.touch(db, lease.jobID, freesWork: left > 0)
        }
    }

    public func fail(_ lease: Lease, reason: String) throws {
        try write { db, now in
            try Self.requireHeld(db, lease, now: now)
            try Self.closeAttempt(db, lease.jobID, lease.unitKey, lease.fencingToken, .failed, reason: reason, now: now)
            try Self.endFailedAttempt(db, jobID: lease.jobID, unitKey: lease.unitKey, reason: reason, now: now)
            try Self.touch(db, lease.jobID, freesWork: true)
        }
    }

    public func release(_ lease: Lease) throws {
        try write { db, now in
            // A lease already lost has nothing to hand back.
            guard case .held = try Self.check(db, lease, now: now, cancelledIsHeld: true) else { return }
            try db.execute(sql: """
                UPDATE units SET state = 'pending', attempts = attempts - 1, lease_owner = NULL, lease_host = NULL,
                                 lease_expires_at = NULL
                WHERE job_id = ? AND key = ?
                """, arguments: [lease.jobID, lease.unitKey])
            try Self.closeAttempt(db, lease.jobID, lease.unitKey, lease.fencingToken, .released,
                                  reason: "handed back by \(lease.worker.id)", now: now)
            try Self.touch(db, lease.jobID, freesWork: true)
        }
    }

    // MARK: - Lease checks

    enum Hold { case held, lost(String), cancelled }

    /// Whether `lease` is still the unit's current, unexpired lease, and its job still wants the work.
    static func check(_ db: Database, _ lease: Lease, now: Double, cancelledIsHeld: Bool = false) throws -> Hold {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT u.state, u.lease_owner, u.fencing_token, u.lease_expires_at, j.state AS job_state
            FROM units u JOIN jobs j ON j.id = u.job_id WHERE u.job_id = ? AND u.key = ?
            """, arguments: [lease.jobID, lease.unitKey])
        else {
            return try jobExists(db, lease.jobID) ? .lost("the unit is not in the store") : .lost("job \(lease.jobID) was deleted")
        }
        let token: Int = row["fencing_token"]
        if token != lease.fencingToken {
            return .lost("a later lease (fencing token \(token), worker \(row["lease_owner"] as String? ?? "none")) took the unit over")
        }
        let state: String = row["state"]
        if state != UnitState.leased.rawValue { return .lost("the unit is \(state)") }
        if (row["lease_owner"] as String?) != lease.worker.id { return .lost("the unit is leased to another worker") }
        let expires: Double = row["lease_expires_at"] ?? 0
        if expires <= now { return .lost(String(format: "the lease expired %.3f s ago", now - expires)) }
        let jobState: String = row["job_state"]
        if jobState == StoredJobState.cancelled.rawValue { return cancelledIsHeld ? .held : .cancelled }
        if jobState != StoredJobState.running.rawValue { return .lost("the job is \(jobState)") }
        return .held
    }

    static func requireHeld(_ db: Database, _ lease: Lease, now: Double) throws {
        switch try check(db, lease, now: now) {
        case .held: return
        case .cancelled:
            throw WorkStoreError.leaseLost(jobID: lease.jobID, unitKey: lease.unitKey, fencingToken: lease.fencingToken,
                                           reason: "the job was cancelled")
        case let .lost(reason):
            throw WorkStoreError.leaseLost(jobID: lease.jobID, unitKey: lease.unitKey, fencingToken: lease.fencingToken, reason: reason)
        }
    }

    // MARK: - Ends of attempts

    static func closeAttempt(_ db: Database, _ jobID: String, _ unitKey: String, _ token: Int,
                             _ outcome: UnitAttempt.Outcome, reason: String?, now: Double) throws {
        try db.execute(sql: """
            UPDATE unit_attempts SET ended_at = ?, outcome = ?, reason = ?
            WHERE job_id = ? AND unit_key = ? AND fencing_token = ? AND ended_at IS NULL
            """, arguments: [now, outcome.rawValue, reason, jobID, unitKey, token])
    }

    /// Leases that ran out, or with `owner` every lease that worker holds: their attempt ends as
    /// expired, and the unit goes back to the queue or, out of attempts, fails its job. Returns how many.
    @discardableResult
    static func expireLeases(_ db: Database, now: Double, owner: String? = nil, reason given: String? = nil) throws -> Int {
        let expired = try owner.map { owner in
            try Row.fetchAll(db, sql: """
                SELECT job_id, key, fencing_token, lease_owner, lease_host FROM units WHERE state = 'leased' AND lease_owner = ?
                """, arguments: [owner])
        } ?? Row.fetchAll(db, sql: """
            SELECT job_id, key, fencing_token, lease_owner, lease_host FROM units
            WHERE state = 'leased' AND lease_expires_at <= ?
            """, arguments: [now])
        for row in expired {
            let jobID: String = row["job_id"], key: String = row["key"]
            let reason = given ?? "worker \(row["lease_owner"] as String? ?? "?") on \(row["lease_host"] as String? ?? "?") "
                + "stopped renewing its lease"
            try closeAttempt(db, jobID, key, row["fencing_token"], .expired, reason: reason, now: now)
            try endFailedAttempt(db, jobID: jobID, unitKey: key, reason: reason, now: now)
            try touch(db, jobID, freesWork: true)
        }
        return expired.count
    }

    /// A failed or expired attempt: retry the unit, or fail it and its job with every attempt's reason.
    static func endFailedAttempt(_ db: Database, jobID: String, unitKey: String, reason: String, now: Double) throws {
        let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM units WHERE job_id = ? AND key = ?", arguments: [jobID, unitKey]) ?? 0
        let maxAttempts = try Int.fetchOne(db, sql: "SELECT max_attempts FROM jobs WHERE id = ?", arguments: [jobID]) ?? 1
        let outOfAttempts = attempts >= maxAttempts
        try db.execute(sql: """
            UPDATE units SET state = ?, last_error = ?, lease_owner = NULL, lease_host = NULL, lease_expires_at = NULL
            WHERE job_id = ? AND key = ?
            """, arguments: [outOfAttempts ? "failed" : "pending", reason, jobID, unitKey])
        guard outOfAttempts else { return }
        let reasons = try String.fetchAll(db, sql: """
            SELECT coalesce(reason, outcome) FROM unit_attempts
            WHERE job_id = ? AND unit_key = ? AND outcome IN ('failed', 'expired') ORDER BY started_at, rowid
            """, arguments: [jobID, unitKey])
        let numbered = reasons.enumerated().map { "attempt \($0.offset + 1): \($0.element)" }.joined(separator: "; ")
        let error = "unit \(unitKey) failed \(attempts) times (max attempts \(maxAttempts)): \(numbered)"
        try db.execute(sql: """
            UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE id = ? AND state IN ('queued', 'running')
            """, arguments: [error, now, jobID])
    }
}
