import Foundation
import GRDB
import PruneKit

extension SQLiteWorkStore {
    static let importedMarker = "earlier_json_records_imported"

    /// On the store's first start: imports `<stateDirectory>/jobs/*.json`, the records of earlier
    /// versions, in one transaction, and notes that it did, so later starts skip it. The files
    /// are left where they are.
    public func importEarlierRecords(stateDirectory: URL, maxAttempts: Int) throws -> EarlierRecordsImport {
        guard maxAttempts >= 1 else { throw WorkStoreError.invalidArgument("maxAttempts must be at least 1, got \(maxAttempts)") }
        let loaded = EarlierJobRecord.load(stateDirectory: stateDirectory)
        return try write { db, now in
            if try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = ?", arguments: [Self.importedMarker]) != nil {
                return EarlierRecordsImport(ran: false)
            }
            var report = EarlierRecordsImport(ran: true)
            for (_, result) in loaded {
                switch result {
                case let .failure(error): report.unreadable.append(error)
                case let .success(record):
                    if try Self.jobExists(db, record.id) { report.skipped.append(record.id); continue }
                    try db.execute(sql: """
                        INSERT INTO jobs (id, spec_json, state, max_attempts, created_at, started_at, finished_at, error)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [record.id, try Self.specJSON(record.spec), record.state.rawValue, maxAttempts,
                                         record.createdAt, record.startedAt, record.state.isFinished ? (record.finishedAt ?? now) : nil,
                                         record.error])
                    if !record.state.isFinished {
                        try Self.insertUnits(db, jobID: record.id, plan: SweepPlan(spec: record.spec))
                    }
                    try Self.touch(db, record.id, freesWork: !record.state.isFinished)
                    report.imported.append(record.id)
                }
            }
            try db.execute(sql: "INSERT INTO store_meta (key, value) VALUES (?, ?)",
                           arguments: [Self.importedMarker, "\(report.imported.count) imported at \(now)"])
            return report
        }
    }
}
