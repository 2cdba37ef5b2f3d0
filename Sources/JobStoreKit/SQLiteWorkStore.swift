import Foundation
import GRDB
import PruneKit

/// The work store in one SQLite file, through GRDB: WAL mode, so readers never wait for the
/// writer; every change in one short IMMEDIATE transaction, which takes the write lock up front
/// and waits for it (busy timeout) instead of failing with "database is locked" when another
/// process holds it. One `DatabasePool` per process: one writer connection, several readers.
/// Times are the database's clock (`julianday('now')`), read once per transaction.
public final class SQLiteWorkStore: WorkStore {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating if needed) and migrates the database at `path`. `busyTimeout`: how long a
    /// transaction waits for another process's write lock before giving up.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "prunelab-store"
        config.prepareDatabase { db in
            // WAL with NORMAL sync is durable across process crashes (not across a power cut of the last commit).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: config)
        try Self.checkNotNewer(pool)
        try SQLiteSchema.migrator.migrate(pool)
    }

    /// The migrations applied to the file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try SQLiteSchema.migrator.appliedMigrations(db) }
    }

    private static func checkNotNewer(_ pool: DatabasePool) throws {
        let unknown = try pool.read { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            let known = Set(SQLiteSchema.migrator.migrations)
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").filter { !known.contains($0) }
        }
        if !unknown.isEmpty { throw WorkStoreError.schemaTooNew(applied: unknown) }
    }

    // MARK: - Transactions

    /// Runs `body` in one IMMEDIATE transaction with the database's time.
    func write<T>(_ body: (Database, Double) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db, try Self.now(db))
                return .commit
            }
            guard let result else { throw WorkStoreError.invalidArgument("a store transaction ended without a result") }
            return result
        }
    }

    /// Seconds since 1970 on the database's clock, with sub-second precision.
    static func now(_ db: Database) throws -> Double {
        try Double.fetchOne(db, sql: "SELECT (julianday('now') - 2440587.5) * 86400.0") ?? 0
    }

    // MARK: - Jobs

    public func enqueue(_ job: NewJob, plan: SweepPlan, maxAttempts: Int) throws {
        guard maxAttempts >= 1 else { throw WorkStoreError.invalidArgument("maxAttempts must be at least 1, got \(maxAttempts)") }
        try NewJob.checkUnitCosts(job.unitCosts, jobID: job.id, plan: plan)
        let specJSON = try Self.specJSON(job.spec)
        try write { db, now in
            guard try !Self.jobExists(db, job.id) else { throw WorkStoreError.duplicateJob(job.id) }
            if let key = job.idempotencyKey,
               try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM jobs WHERE idempotency_key = ?)", arguments: [key]) == true {
                throw WorkStoreError.duplicateIdempotencyKey(key)
            }
            try db.execute(sql: """
                INSERT INTO jobs (id, spec_json, state, max_attempts, created_at, idempotency_key, metadata_json)
                VALUES (?, ?, 'queued', ?, ?, ?, ?)
                """, arguments: [job.id, specJSON, maxAttempts, now, job.idempotencyKey, job.metadataJSON])
            try Self.insertUnits(db, jobID: job.id, plan: plan, costs: job.unitCosts)
            // A job added again under a deleted one's id is no longer deleted.
            try db.execute(sql: "DELETE FROM deleted_jobs WHERE id = ?", arguments: [job.id])
            try Self.touch(db, job.id, freesWork: true)
        }
    }

    static func specJSON(_ spec: SweepSpec) throws -> String {
        try spec.storeJSON()
    }

    static func jobExists(_ db: Database, _ id: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM jobs WHERE id = ?)", arguments: [id]) ?? false
    }

    static func insertUnits(_ db: Database, jobID: String, plan: SweepPlan, costs: [String: Double] = [:]) throws {
        let keys = Set(plan.units.map(\.key))
        guard keys.count == plan.units.count else { throw WorkStoreError.invalidArgument("the plan of job \(jobID) repeats a unit key") }
        for unit in plan.units {
            if let unknown = unit.dependencies.first(where: { !keys.contains($0) }) {
                throw WorkStoreError.invalidArgument("unit \(unit.key) of job \(jobID) depends on \(unknown), which the plan does not have")
            }
        }
        for (position, unit) in plan.units.enumerated() {
            let kind: String
            switch unit.kind {
            case .training: kind = "training"
            case .line: kind = "line"
            case .reports: kind = "reports"
            }
            try db.execute(sql: """
                INSERT INTO units (job_id, key, kind, position, repeat_index, state, waiting_on, cost)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
                """, arguments: [jobID, unit.key, kind, position, unit.repeatIndex, Set(unit.dependencies).count,
                                 costs[unit.key] ?? 1])
            for dependency in Set(unit.dependencies).sorted() {
                try db.execute(sql: "INSERT INTO unit_dependencies (job_id, unit_key, dependency_key) VALUES (?, ?, ?)",
                               arguments: [jobID, unit.key, dependency])
            }
        }
    }

    public func job(_ id: String) throws -> StoredJob? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]).map(Self.job) }
    }

    public func jobs() throws -> [StoredJob] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM jobs ORDER BY created_at, rowid").map(Self.job) }
    }

    static func job(_ row: Row) -> StoredJob {
        StoredJob(id: row["id"], specJSON: row["spec_json"], state: StoredJobState(rawValue: row["state"]) ?? .failed,
                  maxAttempts: row["max_attempts"], createdAt: row["created_at"], startedAt: row["started_at"],
                  finishedAt: row["finished_at"], error: row["error"], idempotencyKey: row["idempotency_key"],
                  metadataJSON: row["metadata_json"], changeSequence: row["change_seq"])
    }

    public func units(of jobID: String) throws -> [StoredUnit] {
        try pool.read { db in
            let dependencies = Dictionary(grouping: try Row.fetchAll(db, sql:
                "SELECT unit_key, dependency_key FROM unit_dependencies WHERE job_id = ? ORDER BY rowid", arguments: [jobID]),
                by: { $0["unit_key"] as String })
            return try Row.fetchAll(db, sql: "SELECT * FROM units WHERE job_id = ? ORDER BY position", arguments: [jobID]).map { row in
                let key: String = row["key"]
                return StoredUnit(jobID: jobID, key: key, position: row["position"], repeatIndex: row["repeat_index"],
                                  dependencies: (dependencies[key] ?? []).map { $0["dependency_key"] },
                                  state: UnitState(rawValue: row["state"]) ?? .failed, attempts: row["attempts"],
                                  leaseOwner: row["lease_owner"], leaseExpiresAt: row["lease_expires_at"],
                                  fencingToken: row["fencing_token"], lastError: row["last_error"],
                                  doneByWorker: row["done_by_worker"], doneByHost: row["done_by_host"],
                                  cost: row["cost"], progressJSON: row["progress_json"])
            }
        }
    }

    public func attempts(of jobID: String) throws -> [UnitAttempt] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM unit_attempts WHERE job_id = ? ORDER BY started_at, rowid", arguments: [jobID]).map { row in
                UnitAttempt(jobID: jobID, unitKey: row["unit_key"], fencingToken: row["fencing_token"], worker: row["worker"],
                            host: row["host"], startedAt: row["started_at"], endedAt: row["ended_at"],
                            outcome: (row["outcome"] as String?).flatMap(UnitAttempt.Outcome.init(rawValue:)),
                            reason: row["reason"])
            }
        }
    }

    @discardableResult
    public func cancel(jobID: String) throws -> Bool {
        try write { db, now in
            guard try Self.jobExists(db, jobID) else { throw WorkStoreError.unknownJob(jobID) }
            try db.execute(sql: """
                UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ? AND state IN ('queued', 'running')
                """, arguments: [now, jobID])
            guard db.changesCount > 0 else { return false }
            try Self.touch(db, jobID, freesWork: false)
            return true
        }
    }

    // MARK: - Rows and artifacts

    public func rows(of jobID: String) throws -> [StoredRow] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM result_rows WHERE job_id = ? ORDER BY point_key", arguments: [jobID]).map { row in
                StoredRow(jobID: jobID, pointKey: row["point_key"], csvRow: row["csv_row"], unitKey: row["unit_key"],
                          fencingToken: row["fencing_token"], host: row["host"], cpu: row["cpu"])
            }
        }
    }

    public func putArtifact(_ artifact: ArtifactRecord) throws {
        guard artifact.bytes >= 0 else { throw WorkStoreError.invalidArgument("artifact \(artifact.name): bytes must not be negative") }
        try write { db, _ in
            guard try Self.jobExists(db, artifact.jobID) else { throw WorkStoreError.unknownJob(artifact.jobID) }
            try db.execute(sql: """
                INSERT INTO artifacts (job_id, name, bytes, sha256) VALUES (?, ?, ?, ?)
                ON CONFLICT (job_id, name) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256
                """, arguments: [artifact.jobID, artifact.name, artifact.bytes, artifact.sha256])
            try Self.touch(db, artifact.jobID, freesWork: false)
        }
    }

    public func artifacts(of jobID: String) throws -> [ArtifactRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM artifacts WHERE job_id = ? ORDER BY name", arguments: [jobID]).map {
                ArtifactRecord(jobID: jobID, name: $0["name"], bytes: $0["bytes"], sha256: $0["sha256"])
            }
        }
    }
}
