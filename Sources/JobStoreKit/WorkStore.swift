import Foundation
import PruneKit

/// The store that jobs, their work units, result rows and artifact metadata live in, shared by
/// every front end and worker. Workers take units with `claim`, which hands out a lease carrying a
/// fencing token; every later call names that lease, and the store refuses it once the lease has
/// expired or been taken over, so a unit may run twice but its rows are recorded once.
///
/// Leases are timed on the database's clock, never a worker's. Implementations must pass
/// `WorkStoreContract` (Tests/JobStoreKitTests).
public protocol WorkStore: Sendable {
    /// Adds a queued job with one unit per unit of `plan`, each allowed `maxAttempts` attempts.
    /// Throws `duplicateJob` when a job with the id exists.
    func enqueue(_ job: NewJob, plan: SweepPlan, maxAttempts: Int) throws

    /// The job with `id`, or nil.
    func job(_ id: String) throws -> StoredJob?
    /// Every job, oldest first.
    func jobs() throws -> [StoredJob]
    /// The units of a job, in plan order.
    func units(of jobID: String) throws -> [StoredUnit]
    /// Every attempt at a job's units, oldest first.
    func attempts(of jobID: String) throws -> [UnitAttempt]

    /// Takes one claimable unit for `worker` for `leaseSeconds`, or nil when none is: a unit whose
    /// dependencies are done, that is pending or whose lease expired, with attempts left, of a job
    /// that is neither finished nor cancelled. Oldest job first; within it, trainings first (each
    /// unblocks a repeat's lines), then lines of a repeat this worker (then its host) trained, so a
    /// repeat's timings come from one machine, then plan order.
    func claim(worker: WorkerIdentity, leaseSeconds: Double) throws -> Lease?
    /// Extends a held lease by `leaseSeconds` from now; says `lost` or `cancelled` when the worker must stop.
    func heartbeat(_ lease: Lease, leaseSeconds: Double) throws -> LeaseStatus
    /// Writes rows under a held lease; a row whose point is already recorded is skipped. Returns
    /// how many were new. Throws `leaseLost` (nothing written) when the lease is no longer held.
    @discardableResult
    func record(_ rows: [RowWrite], under lease: Lease) throws -> Int
    /// The unit is done; the job succeeds when it was its last. Throws `leaseLost` when not held.
    func complete(_ lease: Lease) throws
    /// The attempt failed with `reason`: the unit is retried, or when out of attempts, it and its
    /// job fail with every attempt's reason.
    func fail(_ lease: Lease, reason: String) throws
    /// Hands the unit back at once without spending an attempt (a worker told to stop).
    func release(_ lease: Lease) throws
    /// Cancels a job that is not finished: no unit of it is claimed again, its heartbeats say
    /// `cancelled` and its writes are refused. Returns false when it had already finished.
    @discardableResult
    func cancel(jobID: String) throws -> Bool

    /// The recorded rows of a job, in point-key order.
    func rows(of jobID: String) throws -> [StoredRow]
    /// Records (or replaces) the metadata of an artifact file the job's folder holds.
    func putArtifact(_ artifact: ArtifactRecord) throws
    /// The artifacts of a job, by name.
    func artifacts(of jobID: String) throws -> [ArtifactRecord]

    /// On the store's first start, imports the JSON job records of earlier versions
    /// (`<stateDirectory>/jobs/*.json`); a later call does nothing (`ran` false).
    func importEarlierRecords(stateDirectory: URL, maxAttempts: Int) throws -> EarlierRecordsImport

    // MARK: Front ends and supervisors

    /// The job submitted with this `Idempotency-Key`, or nil. Keys are unique across the store:
    /// `enqueue` of a second job with a key in use throws `duplicateIdempotencyKey`.
    func job(idempotencyKey: String) throws -> StoredJob?
    /// Like `heartbeat(_:leaseSeconds:)`, and while the lease is held also keeps `progressJSON`
    /// (the unit's latest `SweepProgress`, encoded) on the unit, where front ends read it.
    func heartbeat(_ lease: Lease, leaseSeconds: Double, progressJSON: String?) throws -> LeaseStatus
    /// What changed after `sequence` (0: everything): the jobs whose row, units, attempts or rows
    /// changed, each once in its current form, the ids of jobs deleted, and the sequence to ask
    /// from next time. Every change to a job takes the next number of one store-wide sequence.
    func changes(after sequence: Int) throws -> StoreChanges
    /// Removes a job and everything of it (units, attempts, rows, artifact records); a worker
    /// holding one of its leases finds it lost. Returns false when there was no such job.
    @discardableResult
    func delete(jobID: String) throws -> Bool
    /// Ends at once the leases `worker` holds (its supervisor saw its process die): each attempt
    /// ends `expired` with `reason`, and counts, as an expired lease does. Returns how many.
    @discardableResult
    func expireLeases(of worker: String, reason: String) throws -> Int
    /// Waits until new work may be claimable (a job enqueued, a unit released, failed for a retry,
    /// or completed so that dependents are free) or `timeout` seconds pass: LISTEN/NOTIFY on
    /// PostgreSQL, a short poll of the store's change sequence on SQLite. May return early.
    func waitForWork(timeout: Double) throws
}

/// What changed in the store after a sequence number (`WorkStore.changes(after:)`).
public struct StoreChanges: Sendable, Equatable {
    /// Jobs changed (or added), in their current form, oldest first.
    public var jobs: [StoredJob]
    /// Jobs deleted.
    public var deletedJobIDs: [String]
    /// The store's latest sequence number; pass it to the next call.
    public var sequence: Int
    public init(jobs: [StoredJob], deletedJobIDs: [String], sequence: Int) {
        self.jobs = jobs
        self.deletedJobIDs = deletedJobIDs
        self.sequence = sequence
    }
}

/// A job to add to the store.
public struct NewJob: Sendable, Equatable {
    public var id: String
    public var spec: SweepSpec
    /// The client's `Idempotency-Key`, unique across the store.
    public var idempotencyKey: String?
    /// What front ends keep with the job and the store never reads (admission's estimate), as JSON.
    public var metadataJSON: String?
    /// Each unit's share of the job's work (any unit: `SweepPlan.unitCosts`), by unit key; a unit
    /// not named costs 1. Front ends weight the units' progress by it.
    public var unitCosts: [String: Double]
    public init(id: String = UUID().uuidString.lowercased(), spec: SweepSpec, idempotencyKey: String? = nil,
                metadataJSON: String? = nil, unitCosts: [String: Double] = [:]) {
        self.id = id
        self.spec = spec
        self.idempotencyKey = idempotencyKey
        self.metadataJSON = metadataJSON
        self.unitCosts = unitCosts
    }
}

/// Where a job is: `queued -> running -> succeeded | failed | cancelled`, `queued -> cancelled`.
public enum StoredJobState: String, Sendable, CaseIterable, Codable {
    case queued, running, succeeded, failed, cancelled

    public var isFinished: Bool {
        switch self {
        case .queued, .running: return false
        case .succeeded, .failed, .cancelled: return true
        }
    }
}

/// A job as the store keeps it. Times are seconds since 1970 on the database's clock.
public struct StoredJob: Sendable, Equatable {
    public init(id: String, specJSON: String, state: StoredJobState, maxAttempts: Int, createdAt: Double,
                startedAt: Double?, finishedAt: Double?, error: String?, idempotencyKey: String? = nil,
                metadataJSON: String? = nil, changeSequence: Int = 0) {
        self.id = id
        self.specJSON = specJSON
        self.state = state
        self.maxAttempts = maxAttempts
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.idempotencyKey = idempotencyKey
        self.metadataJSON = metadataJSON
        self.changeSequence = changeSequence
    }
    public var id: String
    /// The spec as JSON (the fully resolved form `SweepSpec` encodes).
    public var specJSON: String
    public var state: StoredJobState
    public var maxAttempts: Int
    public var createdAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    /// Why a failed job failed.
    public var error: String?
    public var idempotencyKey: String?
    /// `NewJob.metadataJSON`, as given.
    public var metadataJSON: String?
    /// The store-wide sequence number of the job's latest change (see `WorkStore.changes(after:)`).
    public var changeSequence: Int

    /// The spec, decoded.
    public func spec() throws -> SweepSpec {
        try JSONDecoder().decode(SweepSpec.self, from: Data(specJSON.utf8))
    }
}

/// Where a unit is: `pending -> leased -> done`, back to `pending` after a failed, released or
/// expired attempt with attempts left, `failed` when out of them.
public enum UnitState: String, Sendable, CaseIterable, Codable {
    case pending, leased, done, failed
}

/// A work unit as the store keeps it.
public struct StoredUnit: Sendable, Equatable {
    public init(jobID: String, key: String, position: Int, repeatIndex: Int?, dependencies: [String], state: UnitState,
                attempts: Int, leaseOwner: String?, leaseExpiresAt: Double?, fencingToken: Int, lastError: String?,
                doneByWorker: String?, doneByHost: String?, cost: Double = 1, progressJSON: String? = nil) {
        self.jobID = jobID
        self.key = key
        self.position = position
        self.repeatIndex = repeatIndex
        self.dependencies = dependencies
        self.state = state
        self.attempts = attempts
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.fencingToken = fencingToken
        self.lastError = lastError
        self.doneByWorker = doneByWorker
        self.doneByHost = doneByHost
        self.cost = cost
        self.progressJSON = progressJSON
    }
    public var jobID: String
    public var key: String
    /// The unit's place in the plan (0-based).
    public var position: Int
    /// The repeat a training or line unit belongs to; nil for the reports.
    public var repeatIndex: Int?
    public var dependencies: [String]
    public var state: UnitState
    /// Attempts spent (a released attempt is given back).
    public var attempts: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Double?
    /// The last lease's token; each claim sets a larger one.
    public var fencingToken: Int
    public var lastError: String?
    /// The worker and host that completed it.
    public var doneByWorker: String?
    public var doneByHost: String?
    /// `NewJob.unitCosts` of this unit (1 when not given).
    public var cost: Double
    /// The latest progress a heartbeat of the current or last lease brought (`SweepProgress` as JSON).
    public var progressJSON: String?
}

/// One process that claims units: `id` unique to the process, `host` the machine it runs on.
public struct WorkerIdentity: Sendable, Hashable {
    public var id: String
    public var host: String
    public init(id: String, host: String) {
        self.id = id
        self.host = host
    }
}

/// A worker's hold on one unit until `expiresAt` (database clock), identified by `fencingToken`.
public struct Lease: Sendable, Hashable {
    public init(jobID: String, unitKey: String, worker: WorkerIdentity, fencingToken: Int, attempt: Int, expiresAt: Double) {
        self.jobID = jobID
        self.unitKey = unitKey
        self.worker = worker
        self.fencingToken = fencingToken
        self.attempt = attempt
        self.expiresAt = expiresAt
    }
    public var jobID: String
    public var unitKey: String
    public var worker: WorkerIdentity
    public var fencingToken: Int
    /// The attempt this lease is (1-based).
    public var attempt: Int
    public var expiresAt: Double
}

/// What a heartbeat found.
public enum LeaseStatus: Sendable, Equatable {
    /// Still held, now until this time.
    case held(expiresAt: Double)
    /// The lease expired or another worker took the unit: stop and write nothing.
    case lost(String)
    /// The job was cancelled: stop.
    case cancelled
}

/// One results.csv row to write, identified by its point.
public struct RowWrite: Sendable, Equatable {
    /// The point's identity, unique within a job (`SweepPoint.storeKey`).
    public var pointKey: String
    /// The results.csv line, without its line break.
    public var csvRow: String
    /// Where it was measured.
    public var host: String
    public var cpu: String
    public init(pointKey: String, csvRow: String, host: String, cpu: String) {
        self.pointKey = pointKey
        self.csvRow = csvRow
        self.host = host
        self.cpu = cpu
    }
}

/// A recorded row with the unit and lease that wrote it.
public struct StoredRow: Sendable, Equatable {
    public init(jobID: String, pointKey: String, csvRow: String, unitKey: String, fencingToken: Int, host: String, cpu: String) {
        self.jobID = jobID
        self.pointKey = pointKey
        self.csvRow = csvRow
        self.unitKey = unitKey
        self.fencingToken = fencingToken
        self.host = host
        self.cpu = cpu
    }
    public var jobID: String
    public var pointKey: String
    public var csvRow: String
    public var unitKey: String
    public var fencingToken: Int
    public var host: String
    public var cpu: String
}

/// An artifact file of a job (in `ARTIFACTS/<job>/<name>`).
public struct ArtifactRecord: Sendable, Equatable {
    public var jobID: String
    public var name: String
    public var bytes: Int
    /// Lowercase hex.
    public var sha256: String
    public init(jobID: String, name: String, bytes: Int, sha256: String) {
        self.jobID = jobID
        self.name = name
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// One attempt at a unit: who held it, and how it ended (nil while it runs).
public struct UnitAttempt: Sendable, Equatable {
    public init(jobID: String, unitKey: String, fencingToken: Int, worker: String, host: String, startedAt: Double,
                endedAt: Double?, outcome: Outcome?, reason: String?) {
        self.jobID = jobID
        self.unitKey = unitKey
        self.fencingToken = fencingToken
        self.worker = worker
        self.host = host
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.reason = reason
    }
    public enum Outcome: String, Sendable, Codable {
        case done, failed, released, expired
    }
    public var jobID: String
    public var unitKey: String
    public var fencingToken: Int
    public var worker: String
    public var host: String
    public var startedAt: Double
    public var endedAt: Double?
    public var outcome: Outcome?
    public var reason: String?
}
