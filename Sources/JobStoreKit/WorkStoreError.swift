/// Why the store refused a call; each message names the job, the unit or the file.
public enum WorkStoreError: Error, Equatable, CustomStringConvertible {
    /// A lease that is no longer held was used: the write or completion was refused.
    case leaseLost(jobID: String, unitKey: String, fencingToken: Int, reason: String)
    case duplicateJob(String)
    /// Another job was submitted with this `Idempotency-Key`.
    case duplicateIdempotencyKey(String)
    case unknownJob(String)
    /// `maxAttempts` or `leaseSeconds` out of range.
    case invalidArgument(String)
    /// The database's schema is newer than this version knows.
    case schemaTooNew(applied: [String])

    public var description: String {
        switch self {
        case let .leaseLost(job, unit, token, reason):
            return "refused: the lease on unit \(unit) of job \(job) (fencing token \(token)) is no longer held: \(reason)"
        case let .duplicateJob(id): return "job \(id) is already in the store"
        case let .duplicateIdempotencyKey(key): return "a job with Idempotency-Key \(key) is already in the store"
        case let .unknownJob(id): return "no job \(id) in the store"
        case let .invalidArgument(text): return text
        case let .schemaTooNew(applied):
            return "the database was written by a newer PruneLab (unknown migrations: \(applied.joined(separator: ", ")))"
        }
    }
}
