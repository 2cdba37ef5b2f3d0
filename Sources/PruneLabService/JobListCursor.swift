import Foundation

/// Where a page of `GET /jobs` ended: the creation time and id of its last job. Jobs are listed
/// newest first by (created_at, id), so the next page starts at the first job after that pair;
/// a cursor stays valid when jobs are added or the job it names is deleted.
struct JobListCursor: Equatable {
    var createdAt: Double
    var id: String

    init(after record: JobRecord) {
        createdAt = record.createdAt.timeIntervalSinceReferenceDate
        id = record.id
    }

    /// Parses the text form `SECONDS_ID` (seconds since 2001, as Date keeps them, in a Double's exact decimal form).
    init?(_ text: String) {
        guard let underscore = text.firstIndex(of: "_"),
              let seconds = Double(text[..<underscore]), seconds.isFinite else { return nil }
        let id = String(text[text.index(after: underscore)...])
        guard !id.isEmpty, id.count <= 100 else { return nil }
        createdAt = seconds
        self.id = id
    }

    var text: String { "\(createdAt)_\(id)" }

    /// Whether `record` comes after the cursor in the newest-first order.
    func precedes(_ record: JobRecord) -> Bool {
        (record.createdAt.timeIntervalSinceReferenceDate, record.id) < (createdAt, id)
    }
}
