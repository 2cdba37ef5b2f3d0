import Foundation

/// Where a page of `GET /jobs` ended: the creation time and id of its last job. Jobs are listed
/// newest first by (created_at, id), so the next page starts at the first job after that pair;
/// a cursor stays valid when jobs are added or the job it names is deleted.
///
/// Text form: the creation time's 64 bits (`Date`'s own Double) as 16 lower-case hex digits,
/// `_`, the id: exactly what `JobListCursor.pattern` (also in the OpenAPI document) accepts.
struct JobListCursor: Equatable {
    static let pattern = "^[0-9a-f]{16}_[0-9A-Za-z-]{1,100}$"

    var createdAt: Double
    var id: String

    init(after record: JobRecord) {
        createdAt = record.createdAt.timeIntervalSinceReferenceDate
        id = record.id
    }

    init?(_ text: String) {
        let parts = text.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 16,
              parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let bits = UInt64(parts[0], radix: 16),
              (1...100).contains(parts[1].utf8.count),
              parts[1].utf8.allSatisfy({ $0 == 0x2D || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        createdAt = Double(bitPattern: bits)
        id = String(parts[1])
    }

    var text: String {
        let hex = String(createdAt.bitPattern, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "_" + id
    }

    /// Whether `record` comes after the cursor in the newest-first order.
    func precedes(_ record: JobRecord) -> Bool {
        (record.createdAt.timeIntervalSinceReferenceDate, record.id) < (createdAt, id)
    }
}
