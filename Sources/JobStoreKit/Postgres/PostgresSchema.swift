#if POSTGRES
import PostgresNIO

/// The PostgreSQL store's schema: the SQLite store's tables (same names, columns and keys; times
/// as double precision seconds since 1970), plus a `seq` identity where SQLite orders by rowid,
/// as versioned migrations in `prunelab_migrations`. Opening a database brings it up to date
/// under an advisory lock (two processes starting at once migrate it once), and a database
/// migrated by a newer PruneLab is refused rather than misread.
enum PostgresSchema {
    /// Any constant both processes agree on: the advisory lock that serialises migrations.
    static let migrationLock: Int = 0x7072_756e_656c_6162  // "prunelab"

    static let migrations: [(identifier: String, statements: [String])] = [
        ("v1-jobs-units-rows-artifacts", [
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                spec_json TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                max_attempts BIGINT NOT NULL CHECK (max_attempts >= 1),
                created_at DOUBLE PRECISION NOT NULL,
                started_at DOUBLE PRECISION,
                finished_at DOUBLE PRECISION,
                error TEXT
            )
            """,
            "CREATE INDEX jobs_by_age ON jobs (created_at, seq)",
            """
            CREATE TABLE units (
                job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('training', 'line', 'reports')),
                position BIGINT NOT NULL,
                repeat_index BIGINT,
                state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'done', 'failed')),
                attempts BIGINT NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_host TEXT,
                lease_expires_at DOUBLE PRECISION,
                fencing_token BIGINT NOT NULL DEFAULT 0,
                last_error TEXT,
                done_by_worker TEXT,
                done_by_host TEXT,
                waiting_on BIGINT NOT NULL DEFAULT 0,
                trained_by_worker TEXT,
                trained_by_host TEXT,
                PRIMARY KEY (job_id, key)
            )
            """,
            "CREATE INDEX units_by_state ON units (state, waiting_on, job_id, position)",
            """
            CREATE TABLE unit_dependencies (
                job_id TEXT NOT NULL,
                unit_key TEXT NOT NULL,
                dependency_key TEXT NOT NULL,
                seq BIGINT GENERATED ALWAYS AS IDENTITY,
                PRIMARY KEY (job_id, unit_key, dependency_key),
                FOREIGN KEY (job_id, unit_key) REFERENCES units (job_id, key) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX unit_dependents ON unit_dependencies (job_id, dependency_key)",
            """
            CREATE TABLE unit_attempts (
                job_id TEXT NOT NULL,
                unit_key TEXT NOT NULL,
                fencing_token BIGINT NOT NULL,
                seq BIGINT GENERATED ALWAYS AS IDENTITY,
                worker TEXT NOT NULL,
                host TEXT NOT NULL,
                started_at DOUBLE PRECISION NOT NULL,
                ended_at DOUBLE PRECISION,
                outcome TEXT CHECK (outcome IN ('done', 'failed', 'released', 'expired')),
                reason TEXT,
                PRIMARY KEY (job_id, unit_key, fencing_token),
                FOREIGN KEY (job_id, unit_key) REFERENCES units (job_id, key) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE result_rows (
                job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                point_key TEXT NOT NULL,
                csv_row TEXT NOT NULL,
                unit_key TEXT NOT NULL,
                fencing_token BIGINT NOT NULL,
                host TEXT NOT NULL,
                cpu TEXT NOT NULL,
                recorded_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (job_id, point_key)
            )
            """,
            """
            CREATE TABLE artifacts (
                job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                bytes BIGINT NOT NULL CHECK (bytes >= 0),
                sha256 TEXT NOT NULL,
                PRIMARY KEY (job_id, name)
            )
            """,
            """
            CREATE TABLE store_meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
        ]),
        // The front ends' columns, the change feed and its tombstones (as SQLite's v2). The change
        // sequence is a one-row table, not a SEQUENCE: a SEQUENCE hands out numbers in call order,
        // not commit order, and a reader could pass over a number whose transaction commits late.
        ("v2-idempotency-progress-changes", [
            """
            ALTER TABLE jobs ADD COLUMN idempotency_key TEXT, ADD COLUMN metadata_json TEXT,
                             ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0
            """,
            // NULLs never collide in a unique index: jobs without a key are many.
            "CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (idempotency_key)",
            "CREATE INDEX jobs_by_change ON jobs (change_seq)",
            "ALTER TABLE units ADD COLUMN cost DOUBLE PRECISION NOT NULL DEFAULT 1, ADD COLUMN progress_json TEXT",
            """
            CREATE TABLE store_sequence (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                change_seq BIGINT NOT NULL,
                work_seq BIGINT NOT NULL
            )
            """,
            "CREATE TABLE deleted_jobs (id TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
            "CREATE INDEX deleted_jobs_by_seq ON deleted_jobs (seq)",
            """
            UPDATE jobs SET change_seq = numbered.n
            FROM (SELECT id, row_number() OVER (ORDER BY seq) AS n FROM jobs) AS numbered WHERE jobs.id = numbered.id
            """,
            "INSERT INTO store_sequence (id, change_seq, work_seq) VALUES (1, (SELECT count(*) FROM jobs), 0)",
        ]),
    ]

    /// Applies the migrations `connections`' database lacks; throws `schemaTooNew` when it has unknown ones.
    static func migrate(_ connections: PostgresConnections) throws {
        try connections.transaction { db in
            try db.execute("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS prunelab_migrations (
                    identifier TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)
                """)
            let applied = try db.rows("SELECT identifier FROM prunelab_migrations").map { try $0["identifier"].decode(String.self) }
            let known = Set(migrations.map(\.identifier))
            let unknown = applied.filter { !known.contains($0) }.sorted()
            if !unknown.isEmpty { throw WorkStoreError.schemaTooNew(applied: unknown) }
            for migration in migrations where !applied.contains(migration.identifier) {
                for statement in migration.statements { try db.execute(PostgresQuery(unsafeSQL: statement)) }
                try db.execute("INSERT INTO prunelab_migrations (identifier, applied_at) VALUES (\(migration.identifier), \(db.now))")
            }
        }
    }

    /// The migrations applied, oldest first.
    static func applied(_ connections: PostgresConnections) throws -> [String] {
        try connections.transaction { db in
            try db.rows("SELECT identifier FROM prunelab_migrations ORDER BY applied_at, identifier")
                .map { try $0["identifier"].decode(String.self) }
        }
    }
}
#endif
