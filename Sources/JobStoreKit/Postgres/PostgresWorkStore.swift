#if POSTGRES
import Foundation
import PostgresNIO
import PruneKit

/// The work store on a PostgreSQL server, for many machines: the SQLite store's tables and rules
/// (see `WorkStore`), with claims that lock the chosen unit `FOR UPDATE SKIP LOCKED`, so claimers
/// on many machines never wait for one another, and every call one short transaction timed on
/// the server's clock. Connections are pooled; one broken by a server restart is replaced on the
/// next call. `close()` (or the last reference going away) closes them.
public final class PostgresWorkStore: WorkStore {
    public let url: PostgresURL
    let connections: PostgresConnections
    /// Nil when the store only polls for work (the tests' stand-in for a pooler that drops LISTEN).
    let listener: PostgresWorkListener?

    deinit { close() }

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`) and migrates its
    /// database. Errors name the URL without its password.
    public convenience init(url: String) throws {
        try self.init(url: try PostgresURL(url))
    }

    public convenience init(url: PostgresURL) throws {
        try self.init(url: url, listensForWork: true)
    }

    init(url: PostgresURL, listensForWork: Bool) throws {
        self.url = url
        connections = try PostgresConnections(url: url)
        listener = listensForWork ? PostgresWorkListener(connections: connections) : nil
        do {
            try PostgresSchema.migrate(connections)
        } catch {
            connections.close()
            throw error
        }
    }

    /// Closes the connections and stops the store's event loop; later calls throw `closed`.
    public func close() {
        listener?.close()
        connections.close()
    }

    /// The migrations applied to the database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try PostgresSchema.applied(connections)
    }

    /// Every migration this version knows, in order.
    public static var knownMigrations: [String] { PostgresSchema.migrations.map(\.identifier) }

    /// Runs `body` in one transaction; `db.now` is the server's clock at its start.
    func write<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try connections.transaction(body)
    }

    /// Runs reads outside a transaction (fewer round trips; each statement sees committed data).
    func read<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try connections.withConnection(body)
    }

    // MARK: - Jobs

    public func enqueue(_ job: NewJob, plan: SweepPlan, maxAttempts: Int) throws {
        guard maxAttempts >= 1 else { throw WorkStoreError.invalidArgument("maxAttempts must be at least 1, got \(maxAttempts)") }
        let specJSON = try job.spec.storeJSON()
        let units = try StorePlanRows(jobID: job.id, plan: plan, costs: job.unitCosts)
        do {
            try write { db in
                guard try !Self.jobExists(db, job.id) else { throw WorkStoreError.duplicateJob(job.id) }
                if let key = job.idempotencyKey, try db.row("SELECT 1 AS one FROM jobs WHERE idempotency_key = \(key)") != nil {
                    throw WorkStoreError.duplicateIdempotencyKey(key)
                }
                try db.execute("""
                    INSERT INTO jobs (id, spec_json, state, max_attempts, created_at, idempotency_key, metadata_json)
                    VALUES (\(job.id), \(specJSON), 'queued', \(maxAttempts), \(db.now), \(job.idempotencyKey), \(job.metadataJSON))
                    """)
                try Self.insertUnits(db, units)
                // A job added again under a deleted one's id is no longer deleted.
                try db.execute("DELETE FROM deleted_jobs WHERE id = \(job.id)")
                try Self.touch(db, [job.id], freesWork: true)
            }
        } catch let PostgresStoreError.server(_, state, message) where state == "23505" {
            // Another process added it between the check and the insert.
            if let key = job.idempotencyKey, message.contains("idempotency") { throw WorkStoreError.duplicateIdempotencyKey(key) }
            throw WorkStoreError.duplicateJob(job.id)
        }
    }

    static func jobExists(_ db: PostgresTransaction, _ id: String) throws -> Bool {
        try db.row("SELECT 1 AS one FROM jobs WHERE id = \(id)") != nil
    }

    /// A plan's units and dependency edges, inserted as arrays in two statements.
    static func insertUnits(_ db: PostgresTransaction, _ units: StorePlanRows) throws {
        try db.execute("""
            INSERT INTO units (job_id, key, kind, position, repeat_index, state, waiting_on, cost)
            SELECT \(units.jobID), key, kind, position, nullif(repeat_index, -1), 'pending', waiting_on, cost
            FROM unnest(\(units.keys)::text[], \(units.kinds)::text[], \(units.positions)::bigint[],
                        \(units.repeatIndexes)::bigint[], \(units.waitingOn)::bigint[], \(units.costs)::float8[])
                 AS u(key, kind, position, repeat_index, waiting_on, cost)
            """)
        guard !units.dependencyUnits.isEmpty else { return }
        try db.execute("""
            INSERT INTO unit_dependencies (job_id, unit_key, dependency_key)
            SELECT \(units.jobID), unit_key, dependency_key
            FROM unnest(\(units.dependencyUnits)::text[], \(units.dependencyKeys)::text[]) WITH ORDINALITY AS d(unit_key, dependency_key, n)
            ORDER BY n
            """)
    }

    public func job(_ id: String) throws -> StoredJob? {
        try read { db in try db.row("SELECT * FROM jobs WHERE id = \(id)").map(Self.job) }
    }

    public func jobs() throws -> [StoredJob] {
        try read { db in try db.rows("SELECT * FROM jobs ORDER BY created_at, seq").map(Self.job) }
    }

    static func job(_ row: PostgresRandomAccessRow) throws -> StoredJob {
        StoredJob(id: try row["id"].decode(String.self), specJSON: try row["spec_json"].decode(String.self),
                  state: StoredJobState(rawValue: try row["state"].decode(String.self)) ?? .failed,
                  maxAttempts: try row["max_attempts"].decode(Int.self), createdAt: try row["created_at"].decode(Double.self),
                  startedAt: try row["started_at"].decode(Double?.self), finishedAt: try row["finished_at"].decode(Double?.self),
                  error: try row["error"].decode(String?.self), idempotencyKey: try row["idempotency_key"].decode(String?.self),
                  metadataJSON: try row["metadata_json"].decode(String?.self), changeSequence: try row["change_seq"].decode(Int.self))
    }

    public func units(of jobID: String) throws -> [StoredUnit] {
        try read { db in
            var dependencies: [String: [String]] = [:]
            for row in try db.rows("SELECT unit_key, dependency_key FROM unit_dependencies WHERE job_id = \(jobID) ORDER BY seq") {
                dependencies[try row["unit_key"].decode(String.self), default: []].append(try row["dependency_key"].decode(String.self))
            }
            return try db.rows("SELECT * FROM units WHERE job_id = \(jobID) ORDER BY position").map { row in
                let key = try row["key"].decode(String.self)
                return StoredUnit(jobID: jobID, key: key, position: try row["position"].decode(Int.self),
                                  repeatIndex: try row["repeat_index"].decode(Int?.self), dependencies: dependencies[key] ?? [],
                                  state: UnitState(rawValue: try row["state"].decode(String.self)) ?? .failed,
                                  attempts: try row["attempts"].decode(Int.self), leaseOwner: try row["lease_owner"].decode(String?.self),
                                  leaseExpiresAt: try row["lease_expires_at"].decode(Double?.self),
                                  fencingToken: try row["fencing_token"].decode(Int.self), lastError: try row["last_error"].decode(String?.self),
                                  doneByWorker: try row["done_by_worker"].decode(String?.self),
                                  doneByHost: try row["done_by_host"].decode(String?.self), cost: try row["cost"].decode(Double.self),
                                  progressJSON: try row["progress_json"].decode(String?.self))
            }
        }
    }

    public func attempts(of jobID: String) throws -> [UnitAttempt] {
        try read { db in
            try db.rows("SELECT * FROM unit_attempts WHERE job_id = \(jobID) ORDER BY started_at, seq").map { row in
                UnitAttempt(jobID: jobID, unitKey: try row["unit_key"].decode(String.self), fencingToken: try row["fencing_token"].decode(Int.self),
                            worker: try row["worker"].decode(String.self), host: try row["host"].decode(String.self),
                            startedAt: try row["started_at"].decode(Double.self), endedAt: try row["ended_at"].decode(Double?.self),
                            outcome: try row["outcome"].decode(String?.self).flatMap(UnitAttempt.Outcome.init(rawValue:)),
                            reason: try row["reason"].decode(String?.self))
            }
        }
    }

    @discardableResult
    public func cancel(jobID: String) throws -> Bool {
        try write { db in
            guard try Self.jobExists(db, jobID) else { throw WorkStoreError.unknownJob(jobID) }
            guard try db.execute("""
                UPDATE jobs SET state = 'cancelled', finished_at = \(db.now) WHERE id = \(jobID) AND state IN ('queued', 'running')
                """) > 0 else { return false }
            try Self.touch(db, [jobID], freesWork: false)
            return true
        }
    }

    // MARK: - Rows and artifacts

    public func rows(of jobID: String) throws -> [StoredRow] {
        try read { db in
            // COLLATE "C": byte order, as SQLite compares text, whatever the database's locale.
            try db.rows("SELECT * FROM result_rows WHERE job_id = \(jobID) ORDER BY point_key COLLATE \"C\"").map { row in
                StoredRow(jobID: jobID, pointKey: try row["point_key"].decode(String.self), csvRow: try row["csv_row"].decode(String.self),
                          unitKey: try row["unit_key"].decode(String.self), fencingToken: try row["fencing_token"].decode(Int.self),
                          host: try row["host"].decode(String.self), cpu: try row["cpu"].decode(String.self))
            }
        }
    }

    public func putArtifact(_ artifact: ArtifactRecord) throws {
        guard artifact.bytes >= 0 else { throw WorkStoreError.invalidArgument("artifact \(artifact.name): bytes must not be negative") }
        try write { db in
            guard try Self.jobExists(db, artifact.jobID) else { throw WorkStoreError.unknownJob(artifact.jobID) }
            try db.execute("""
                INSERT INTO artifacts (job_id, name, bytes, sha256) VALUES (\(artifact.jobID), \(artifact.name), \(artifact.bytes), \(artifact.sha256))
                ON CONFLICT (job_id, name) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256
                """)
            try Self.touch(db, [artifact.jobID], freesWork: false)
        }
    }

    public func artifacts(of jobID: String) throws -> [ArtifactRecord] {
        try read { db in
            try db.rows("SELECT * FROM artifacts WHERE job_id = \(jobID) ORDER BY name COLLATE \"C\"").map {
                ArtifactRecord(jobID: jobID, name: try $0["name"].decode(String.self), bytes: try $0["bytes"].decode(Int.self),
                               sha256: try $0["sha256"].decode(String.self))
            }
        }
    }
}
#endif
