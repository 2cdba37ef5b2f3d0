#if POSTGRES
import Foundation
import PostgresNIO
import PruneKit

extension PostgresWorkStore {
    static let importedMarker = "earlier_json_records_imported"

    /// On the store's first start: imports `<stateDirectory>/jobs/*.json`, the records of earlier
    /// versions, in one transaction. The marker row goes in first: a second process importing at
    /// the same time waits on it, then finds it and does nothing.
    public func importEarlierRecords(stateDirectory: URL, maxAttempts: Int) throws -> EarlierRecordsImport {
        guard maxAttempts >= 1 else { throw WorkStoreError.invalidArgument("maxAttempts must be at least 1, got \(maxAttempts)") }
        let loaded = EarlierJobRecord.load(stateDirectory: stateDirectory)
        return try write { db in
            let marked = try db.execute("""
                INSERT INTO store_meta (key, value) VALUES (\(Self.importedMarker), 'importing') ON CONFLICT (key) DO NOTHING
                """)
            guard marked == 1 else { return EarlierRecordsImport(ran: false) }
            var report = EarlierRecordsImport(ran: true)
            for (_, result) in loaded {
                switch result {
                case let .failure(error): report.unreadable.append(error)
                case let .success(record):
                    if try Self.jobExists(db, record.id) { report.skipped.append(record.id); continue }
                    let finishedAt = record.state.isFinished ? (record.finishedAt ?? db.now) : nil
                    try db.execute("""
                        INSERT INTO jobs (id, spec_json, state, max_attempts, created_at, started_at, finished_at, error)
                        VALUES (\(record.id), \(try record.spec.storeJSON()), \(record.state.rawValue), \(maxAttempts),
                                \(record.createdAt), \(record.startedAt), \(finishedAt), \(record.error))
                        """)
                    if !record.state.isFinished {
                        try Self.insertUnits(db, try StorePlanRows(jobID: record.id, plan: SweepPlan(spec: record.spec)))
                    }
                    report.imported.append(record.id)
                }
            }
            try db.execute("""
                UPDATE store_meta SET value = \("\(report.imported.count) imported at \(db.now)") WHERE key = \(Self.importedMarker)
                """)
            if !report.imported.isEmpty { try Self.touch(db, report.imported, freesWork: true) }
            return report
        }
    }
}
#endif
