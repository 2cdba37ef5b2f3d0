import Foundation

/// The JSON of `GET /jobs/{id}` per job, reused while the record and its artifact list are
/// unchanged. Encoding a job view (its whole spec) with `JSONEncoder` was three quarters of a
/// poll's CPU time; comparing the record with the one last encoded costs a small part of that.
final class PollBodyCache: @unchecked Sendable {
    private struct Entry {
        var record: JobRecord
        var artifacts: [String]
        var body: [UInt8]
    }

    /// Guards `entries` (unchecked Sendable: the lock, not the compiler, makes it safe).
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// Jobs remembered at most (the table starts afresh beyond, e.g. after many deletions).
    private let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// The body of `record` with `artifacts`, made by `encode` only when it differs from last time.
    func body(of record: JobRecord, artifacts: [String], encode: () -> [UInt8]) -> [UInt8] {
        lock.lock()
        if let entry = entries[record.id], entry.artifacts == artifacts, entry.record == record {
            lock.unlock()
            return entry.body
        }
        lock.unlock()
        let body = encode()
        lock.lock()
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[record.id] = Entry(record: record, artifacts: artifacts, body: body)
        lock.unlock()
        return body
    }
}
