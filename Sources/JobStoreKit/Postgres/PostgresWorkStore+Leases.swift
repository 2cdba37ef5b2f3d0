#if POSTGRES
import Foundation
import PostgresNIO

/// Claiming, heartbeats, fenced writes and the ends of an attempt. Lock order, to stay free of
/// deadlocks: unit rows (each call locks the unit its lease names, `FOR UPDATE`), then job rows,
/// then the one `store_sequence` row, always last (`touch`, just before COMMIT).
extension PostgresWorkStore {
    public func claim(worker: WorkerIdentity, leaseSeconds: Double) throws -> Lease? {
        guard leaseSeconds > 0, leaseSeconds.isFinite else {
            throw WorkStoreError.invalidArgument("leaseSeconds must be a positive number of seconds, got \(leaseSeconds)")
        }
        return try write { db in
            let expired = try Self.expireLeases(db)
            // Oldest job first; in it, trainings first (each unblocks a repeat's lines); then lines of a
            // repeat this worker, then its host, trained; then plan order. SKIP LOCKED: a unit another
            // claimer is taking is passed over, not waited for.
            guard let row = try db.row("""
                SELECT u.job_id, u.key, u.attempts, u.fencing_token
                FROM units u
                JOIN jobs j ON j.id = u.job_id
                WHERE u.state = 'pending' AND u.waiting_on = 0 AND j.state IN ('queued', 'running')
                  AND u.attempts < j.max_attempts
                ORDER BY j.created_at, j.seq, u.kind <> 'training',
                         CASE WHEN u.trained_by_worker = \(worker.id) THEN 0 WHEN u.trained_by_host = \(worker.host) THEN 1 ELSE 2 END,
                         u.position
                LIMIT 1
                FOR UPDATE OF u SKIP LOCKED
                """)
            else {
                // A front end must see a dead worker's unit go back even when nothing is handed out.
                if !expired.isEmpty { try Self.touch(db, expired, freesWork: true) }
                return nil
            }
            let jobID = try row["job_id"].decode(String.self), key = try row["key"].decode(String.self)
            let token = try row["fencing_token"].decode(Int.self) + 1
            let attempt = try row["attempts"].decode(Int.self) + 1
            let expires = db.now + leaseSeconds
            try db.execute("""
                UPDATE units SET state = 'leased', lease_owner = \(worker.id), lease_host = \(worker.host),
                                 lease_expires_at = \(expires), fencing_token = \(token), attempts = \(attempt)
                WHERE job_id = \(jobID) AND key = \(key)
                """)
            try db.execute("""
                INSERT INTO unit_attempts (job_id, unit_key, fencing_token, worker, host, started_at)
                VALUES (\(jobID), \(key), \(token), \(worker.id), \(worker.host), \(db.now))
                """)
            try db.execute("""
                UPDATE jobs SET state = 'running', started_at = coalesce(started_at, \(db.now)) WHERE id = \(jobID) AND state = 'queued'
                """)
            try Self.touch(db, expired + [jobID], freesWork: !expired.isEmpty)
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
        return try write { db in
            switch try Self.check(db, lease) {
            case .cancelled: return .cancelled
            case let .lost(reason): return .lost(reason)
            case .held:
                let expires = db.now + leaseSeconds
                try db.execute("""
                    UPDATE units SET lease_expires_at = \(expires), progress_json = coalesce(\(progressJSON), progress_json)
                    WHERE job_id = \(lease.jobID) AND key = \(lease.unitKey) AND fencing_token = \(lease.fencingToken)
                    """)
                // Only progress is news to a front end; a bare renewal takes no sequence number.
                if progressJSON != nil { try Self.touch(db, [lease.jobID], freesWork: false) }
                return .held(expiresAt: expires)
            }
        }
    }

    @discardableResult
    public func record(_ rows: [RowWrite], under lease: Lease) throws -> Int {
        try write { db in
            try Self.requireHeld(db, lease)
            guard !rows.isEmpty else { return 0 }
            // One statement for every row; a point already recorded is skipped, never overwritten.
            let inserted = try db.execute("""
                INSERT INTO result_rows (job_id, point_key, csv_row, unit_key, fencing_token, host, cpu, recorded_at)
                SELECT \(lease.jobID), point_key, csv_row, \(lease.unitKey), \(lease.fencingToken), host, cpu, \(db.now)
                FROM unnest(\(rows.map(\.pointKey))::text[], \(rows.map(\.csvRow))::text[], \(rows.map(\.host))::text[],
                            \(rows.map(\.cpu))::text[]) AS r(point_key, csv_row, host, cpu)
                ON CONFLICT (job_id, point_key) DO NOTHING
                """)
            if inserted > 0 { try Self.touch(db, [lease.jobID], freesWork: false) }
            return inserted
        }
    }

    public func complete(_ lease: Lease) throws {
        try write { db in
            try Self.requireHeld(db, lease)
            try db.execute("""
                UPDATE units SET state = 'done', lease_owner = NULL, lease_host = NULL, lease_expires_at = NULL,
                                 done_by_worker = \(lease.worker.id), done_by_host = \(lease.worker.host)
                WHERE job_id = \(lease.jobID) AND key = \(lease.unitKey)
                """)
            try Self.closeAttempt(db, lease.jobID, lease.unitKey, lease.fencingToken, .done, reason: nil)
            let unblocked = try db.rows("""
                UPDATE units SET waiting_on = waiting_on - 1
                WHERE job_id = \(lease.jobID)
                  AND key IN (SELECT unit_key FROM unit_dependencies WHERE job_id = \(lease.jobID) AND dependency_key = \(lease.unitKey))
                RETURNING waiting_on
                """)
            // A training's lines remember who trained their repeat.
            try db.execute("""
                UPDATE units SET trained_by_worker = \(lease.worker.id), trained_by_host = \(lease.worker.host)
                WHERE job_id = \(lease.jobID) AND kind = 'line'
                  AND repeat_index = (SELECT repeat_index FROM units WHERE job_id = \(lease.jobID) AND key = \(lease.unitKey) AND kind = 'training')
                """)
            let remaining = try db.row("SELECT count(*) AS remaining FROM units WHERE job_id = \(lease.jobID) AND state <> 'done'")
            if try remaining?["remaining"].decode(Int.self) ?? 0 == 0 {
                try db.execute("""
                    UPDATE jobs SET state = 'succeeded', finished_at = \(db.now) WHERE id = \(lease.jobID) AND state = 'running'
                    """)
            }
            let freed = try unblocked.contains(where: { try $0["waiting_on"].decode(Int.self) == 0 })
            try Self.touch(db, [lease.jobID], freesWork: freed)
        }
    }

    public func fail(_ lease: Lease, reason: String) throws {
        try write { db in
            try Self.requireHeld(db, lease)
            try Self.closeAttempt(db, lease.jobID, lease.unitKey, lease.fencingToken, .failed, reason: reason)
            let retried = try Self.endFailedAttempt(db, jobID: lease.jobID, unitKey: lease.unitKey, reason: reason)
            try Self.touch(db, [lease.jobID], freesWork: retried)
        }
    }

    public func release(_ lease: Lease) throws {
        try write { db in
            // A lease already lost has nothing to hand back.
            guard case .held = try Self.check(db, lease, cancelledIsHeld: true) else { return }
            try db.execute("""
                UPDATE units SET state = 'pending', attempts = attempts - 1, lease_owner = NULL, lease_host = NULL,
                                 lease_expires_at = NULL
                WHERE job_id = \(lease.jobID) AND key = \(lease.unitKey)
                """)
            try Self.closeAttempt(db, lease.jobID, lease.unitKey, lease.fencingToken, .released,
                                  reason: "handed back by \(lease.worker.id)")
            try Self.touch(db, [lease.jobID], freesWork: true)
        }
    }

    // MARK: - Lease checks

    enum Hold { case held, lost(String), cancelled }

    /// Whether `lease` is still the unit's current, unexpired lease, and its job still wants the
    /// work. Locks the unit's row until the transaction ends, so no claimer takes it over between
    /// this check and the write that follows (claimers skip locked rows).
    static func check(_ db: PostgresTransaction, _ lease: Lease, cancelledIsHeld: Bool = false) throws -> Hold {
        guard let row = try db.row("""
            SELECT u.state, u.lease_owner, u.fencing_token, u.lease_expires_at, j.state AS job_state
            FROM units u JOIN jobs j ON j.id = u.job_id WHERE u.job_id = \(lease.jobID) AND u.key = \(lease.unitKey)
            FOR UPDATE OF u
            """)
        else {
            return try jobExists(db, lease.jobID) ? .lost("the unit is not in the store") : .lost("job \(lease.jobID) was deleted")
        }
        let token = try row["fencing_token"].decode(Int.self)
        let owner = try row["lease_owner"].decode(String?.self)
        if token != lease.fencingToken {
            return .lost("a later lease (fencing token \(token), worker \(owner ?? "none")) took the unit over")
        }
        let state = try row["state"].decode(String.self)
        if state != UnitState.leased.rawValue { return .lost("the unit is \(state)") }
        if owner != lease.worker.id { return .lost("the unit is leased to another worker") }
        let expires = try row["lease_expires_at"].decode(Double?.self) ?? 0
        if expires <= db.now { return .lost(String(format: "the lease expired %.3f s ago", db.now - expires)) }
        let jobState = try row["job_state"].decode(String.self)
        if jobState == StoredJobState.cancelled.rawValue { return cancelledIsHeld ? .held : .cancelled }
        if jobState != StoredJobState.running.rawValue { return .lost("the job is \(jobState)") }
        return .held
    }

    static func requireHeld(_ db: PostgresTransaction, _ lease: Lease) throws {
        switch try check(db, lease) {
        case .held: return
        case .cancelled:
            throw WorkStoreError.leaseLost(jobID: lease.jobID, unitKey: lease.unitKey, fencingToken: lease.fencingToken,
                                           reason: "the job was cancelled")
        case let .lost(reason):
            throw WorkStoreError.leaseLost(jobID: lease.jobID, unitKey: lease.unitKey, fencingToken: lease.fencingToken, reason: reason)
        }
    }

    // MARK: - Ends of attempts

    static func closeAttempt(_ db: PostgresTransaction, _ jobID: String, _ unitKey: String, _ token: Int,
                             _ outcome: UnitAttempt.Outcome, reason: String?) throws {
        try db.execute("""
            UPDATE unit_attempts SET ended_at = \(db.now), outcome = \(outcome.rawValue), reason = \(reason)
            WHERE job_id = \(jobID) AND unit_key = \(unitKey) AND fencing_token = \(token) AND ended_at IS NULL
            """)
    }

    /// Leases that ran out, or with `owner` every lease that worker holds: their attempt ends as
    /// expired, and the unit goes back to the queue or, out of attempts, fails its job. Returns the
    /// jobs of the units expired, for `touch`. A lease that ran out and that another transaction
    /// holds is left to it (SKIP LOCKED); a named worker's leases are waited for.
    static func expireLeases(_ db: PostgresTransaction, owner: String? = nil, reason given: String? = nil) throws -> [String] {
        let expired = try owner.map { owner in
            try db.rows("""
                SELECT job_id, key, fencing_token, lease_owner, lease_host FROM units
                WHERE state = 'leased' AND lease_owner = \(owner) ORDER BY job_id, key FOR UPDATE
                """)
        } ?? db.rows("""
            SELECT job_id, key, fencing_token, lease_owner, lease_host FROM units
            WHERE state = 'leased' AND lease_expires_at <= \(db.now)
            FOR UPDATE SKIP LOCKED
            """)
        var jobs: [String] = []
        for row in expired {
            let jobID = try row["job_id"].decode(String.self), key = try row["key"].decode(String.self)
            let owner = try row["lease_owner"].decode(String?.self) ?? "?", host = try row["lease_host"].decode(String?.self) ?? "?"
            let reason = given ?? "worker \(owner) on \(host) stopped renewing its lease"
            try closeAttempt(db, jobID, key, try row["fencing_token"].decode(Int.self), .expired, reason: reason)
            try endFailedAttempt(db, jobID: jobID, unitKey: key, reason: reason)
            jobs.append(jobID)
        }
        return jobs
    }

    /// A failed or expired attempt: retry the unit (true), or fail it and its job with every attempt's reason.
    @discardableResult
    static func endFailedAttempt(_ db: PostgresTransaction, jobID: String, unitKey: String, reason: String) throws -> Bool {
        let counts = try db.row("""
            SELECT u.attempts, j.max_attempts FROM units u JOIN jobs j ON j.id = u.job_id WHERE u.job_id = \(jobID) AND u.key = \(unitKey)
            """)
        let attempts = try counts?["attempts"].decode(Int.self) ?? 0
        let maxAttempts = try counts?["max_attempts"].decode(Int.self) ?? 1
        let outOfAttempts = attempts >= maxAttempts
        try db.execute("""
            UPDATE units SET state = \(outOfAttempts ? "failed" : "pending"), last_error = \(reason),
                             lease_owner = NULL, lease_host = NULL, lease_expires_at = NULL
            WHERE job_id = \(jobID) AND key = \(unitKey)
            """)
        guard outOfAttempts else { return true }
        let reasons = try db.rows("""
            SELECT coalesce(reason, outcome) AS reason FROM unit_attempts
            WHERE job_id = \(jobID) AND unit_key = \(unitKey) AND outcome IN ('failed', 'expired') ORDER BY started_at, seq
            """).map { try $0["reason"].decode(String.self) }
        let numbered = reasons.enumerated().map { "attempt \($0.offset + 1): \($0.element)" }.joined(separator: "; ")
        let error = "unit \(unitKey) failed \(attempts) times (max attempts \(maxAttempts)): \(numbered)"
        try db.execute("""
            UPDATE jobs SET state = 'failed', error = \(error), finished_at = \(db.now) WHERE id = \(jobID) AND state IN ('queued', 'running')
            """)
        return false
    }
}
#endif
