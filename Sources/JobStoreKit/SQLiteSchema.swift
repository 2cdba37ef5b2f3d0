import GRDB

/// The SQLite store's schema, as versioned migrations: a database file is brought up to date
/// when it is opened, and a file migrated by a newer PruneLab is refused rather than misread.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-jobs-units-rows-artifacts") { db in
            try db.execute(sql: """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY NOT NULL,
                    spec_json TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    error TEXT
                );
                CREATE INDEX jobs_by_age ON jobs (created_at);
                CREATE TABLE units (
                    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('training', 'line', 'reports')),
                    position INTEGER NOT NULL,
                    repeat_index INTEGER,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'done', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    lease_host TEXT,
                    lease_expires_at REAL,
                    fencing_token INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    done_by_worker TEXT,
                    done_by_host TEXT,
                    -- Dependencies not done yet, kept by complete(): a claim reads one column
                    -- instead of joining every dependency of every candidate.
                    waiting_on INTEGER NOT NULL DEFAULT 0,
                    -- Who trained this line's repeat, copied when the training completes, for the claim's preference.
                    trained_by_worker TEXT,
                    trained_by_host TEXT,
                    PRIMARY KEY (job_id, key)
                );
                CREATE INDEX units_by_state ON units (state, waiting_on, job_id, position);
                CREATE TABLE unit_dependencies (
                    job_id TEXT NOT NULL,
                    unit_key TEXT NOT NULL,
                    dependency_key TEXT NOT NULL,
                    PRIMARY KEY (job_id, unit_key, dependency_key),
                    FOREIGN KEY (job_id, unit_key) REFERENCES units (job_id, key) ON DELETE CASCADE
                );
                CREATE INDEX unit_dependents ON unit_dependencies (job_id, dependency_key);
                CREATE TABLE unit_attempts (
                    job_id TEXT NOT NULL,
                    unit_key TEXT NOT NULL,
                    fencing_token INTEGER NOT NULL,
                    worker TEXT NOT NULL,
                    host TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    ended_at REAL,
                    outcome TEXT CHECK (outcome IN ('done', 'failed', 'released', 'expired')),
                    reason TEXT,
                    PRIMARY KEY (job_id, unit_key, fencing_token),
                    FOREIGN KEY (job_id, unit_key) REFERENCES units (job_id, key) ON DELETE CASCADE
                );
                CREATE TABLE result_rows (
                    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                    point_key TEXT NOT NULL,
                    csv_row TEXT NOT NULL,
                    unit_key TEXT NOT NULL,
                    fencing_token INTEGER NOT NULL,
                    host TEXT NOT NULL,
                    cpu TEXT NOT NULL,
                    recorded_at REAL NOT NULL,
                    PRIMARY KEY (job_id, point_key)
                );
                CREATE TABLE artifacts (
                    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    bytes INTEGER NOT NULL CHECK (bytes >= 0),
                    sha256 TEXT NOT NULL,
                    PRIMARY KEY (job_id, name)
                );
                CREATE TABLE store_meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-idempotency-progress-changes") { db in
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN idempotency_key TEXT;
                ALTER TABLE jobs ADD COLUMN metadata_json TEXT;
                ALTER TABLE jobs ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
                -- SQLite lets a unique index hold many NULLs: jobs without a key never collide.
                CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (idempotency_key);
                CREATE INDEX jobs_by_change ON jobs (change_seq);
                ALTER TABLE units ADD COLUMN cost REAL NOT NULL DEFAULT 1;
                ALTER TABLE units ADD COLUMN progress_json TEXT;
                -- One row: the store-wide change sequence every change to a job takes its next number
                -- from, and the work sequence idle workers wait on (bumped only when work may be free).
                CREATE TABLE store_sequence (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    change_seq INTEGER NOT NULL,
                    work_seq INTEGER NOT NULL
                );
                -- Deleted jobs, so changes(after:) can tell a front end to forget them.
                CREATE TABLE deleted_jobs (
                    id TEXT PRIMARY KEY NOT NULL,
                    seq INTEGER NOT NULL
                );
                CREATE INDEX deleted_jobs_by_seq ON deleted_jobs (seq);
                -- Jobs of v1 files get numbers in the order they were added.
                UPDATE jobs SET change_seq = (SELECT count(*) FROM jobs AS older WHERE older.rowid <= jobs.rowid);
                INSERT INTO store_sequence (id, change_seq, work_seq) VALUES (1, (SELECT count(*) FROM jobs), 0);
                """)
        }
        return migrator
    }
}
