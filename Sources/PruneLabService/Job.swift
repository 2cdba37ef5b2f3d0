import Foundation
import PruneKit

/// Where a job is in its life. `queued -> running -> succeeded | failed | cancelled`, and
/// `queued -> cancelled` for a job cancelled before a worker took it.
public enum JobState: String, Codable, CaseIterable, Sendable {
    case queued, running, succeeded, failed, cancelled

    /// A finished job never changes again.
    public var isFinished: Bool {
        switch self {
        case .queued, .running: return false
        case .succeeded, .failed, .cancelled: return true
        }
    }
}

/// Everything the service knows about one sweep job: what the job store keeps on disk, one
/// JSON file per job. Transitions go through the mutating methods, which refuse illegal ones.
public struct JobRecord: Codable, Equatable, Sendable {
    /// A random UUID, lowercase.
    public var id: String
    public var state: JobState
    /// The fully resolved spec (defaults filled in).
    public var spec: SweepSpec
    public var createdAt: Date
    /// When a worker first started it (a resumed job keeps its first start).
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The runner's last report; nil until the job has run.
    public var progress: SweepProgress?
    /// Why a failed job failed.
    public var error: String?
    /// The client's `Idempotency-Key`, if it sent one.
    public var idempotencyKey: String?
    /// DELETE arrived while the job was running; the worker stops it at the next batch. Kept on
    /// disk so that a job cancelled just before a crash is not resumed.
    public var cancelRequested: Bool
    /// How many times a worker started this job: more than 1 after a resume or a retry.
    public var attempts: Int
    /// One entry per attempt, oldest first: when it ran and how it ended.
    public var attemptLog: [JobAttempt]
    /// The cores the job's sweep process had in its last attempt (its share with several workers).
    public var cores: Int?
    /// What admission estimated the job costs (peak memory, FLOPs, seconds); nil for jobs
    /// accepted before estimates existed.
    public var estimate: JobEstimate?
    /// The record format this was read from (`FormatVersion.jobRecord` once saved again); records
    /// without one were written by version 1.
    public var formatVersion: Int

    public init(id: String = UUID().uuidString.lowercased(), spec: SweepSpec, idempotencyKey: String? = nil,
                createdAt: Date = Date()) {
        self.id = id
        self.state = .queued
        self.spec = spec
        self.createdAt = createdAt
        self.idempotencyKey = idempotencyKey
        self.cancelRequested = false
        self.attempts = 0
        self.attemptLog = []
        self.formatVersion = FormatVersion.jobRecord
    }

    enum CodingKeys: String, CodingKey {
        case id, state, spec, progress, error, attempts, cores
        case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at"
        case idempotencyKey = "idempotency_key", cancelRequested = "cancel_requested", attemptLog = "attempt_log"
        case formatVersion = "format_version", estimate
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        state = try c.decode(JobState.self, forKey: .state)
        spec = try c.decode(SweepSpec.self, forKey: .spec)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
        finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
        progress = try c.decodeIfPresent(SweepProgress.self, forKey: .progress)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        cancelRequested = try c.decode(Bool.self, forKey: .cancelRequested)
        attempts = try c.decode(Int.self, forKey: .attempts)
        // Records written before attempt logs existed have none.
        attemptLog = try c.decodeIfPresent([JobAttempt].self, forKey: .attemptLog) ?? []
        cores = try c.decodeIfPresent(Int.self, forKey: .cores)
        estimate = try c.decodeIfPresent(JobEstimate.self, forKey: .estimate)
        formatVersion = try c.decodeIfPresent(Int.self, forKey: .formatVersion) ?? 1
        guard formatVersion <= FormatVersion.jobRecord else {
            throw DecodingError.dataCorruptedError(forKey: .formatVersion, in: c, debugDescription:
                "record format \(formatVersion) is newer than this PruneLab (\(FormatVersion.prunelab)) reads (up to \(FormatVersion.jobRecord))")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(state, forKey: .state)
        try c.encode(spec, forKey: .spec)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(startedAt, forKey: .startedAt)
        try c.encodeIfPresent(finishedAt, forKey: .finishedAt)
        try c.encodeIfPresent(progress, forKey: .progress)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(idempotencyKey, forKey: .idempotencyKey)
        try c.encode(cancelRequested, forKey: .cancelRequested)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(attemptLog, forKey: .attemptLog)
        try c.encodeIfPresent(cores, forKey: .cores)
        try c.encodeIfPresent(estimate, forKey: .estimate)
        // Always the current format: whatever was read is written back upgraded.
        try c.encode(FormatVersion.jobRecord, forKey: .formatVersion)
    }

    /// Attempts that count against `--max-attempts`: those that ended in a crash (a shutdown
    /// of the service interrupts an attempt without counting it).
    public var failedAttempts: Int { attemptLog.filter { $0.outcome == .crashed }.count }

    /// A worker takes the job.
    public mutating func start(at date: Date = Date(), cores: Int? = nil) {
        precondition(state == .queued, "only a queued job can start, job \(id) is \(state)")
        state = .running
        if startedAt == nil { startedAt = date }
        attempts += 1
        self.cores = cores
        attemptLog.append(JobAttempt(started: date))
    }

    /// Closes the running attempt's log entry.
    public mutating func endAttempt(_ outcome: JobAttempt.Outcome, reason: String, at date: Date = Date()) {
        guard let last = attemptLog.indices.last, attemptLog[last].ended == nil else { return }
        attemptLog[last].ended = date
        attemptLog[last].outcome = outcome
        attemptLog[last].reason = reason
    }

    /// A crashed attempt with attempts left: back to `queued`, to resume from its checkpoint and rows.
    public mutating func requeueForRetry() {
        precondition(state == .running, "only a running job is retried, job \(id) is \(state)")
        state = .queued
    }

    /// The job ends: `succeeded`, `failed` (with `error`) or `cancelled`.
    public mutating func finish(_ outcome: JobState, error: String? = nil, at date: Date = Date()) {
        precondition(outcome.isFinished, "finish needs a final state, got \(outcome)")
        precondition(!state.isFinished, "job \(id) already finished as \(state)")
        state = outcome
        self.error = error
        finishedAt = date
        if outcome == .succeeded, var done = progress {
            done.fraction = 1
            done.etaSeconds = 0
            progress = done
        }
    }

    /// After a restart: a job that was running goes back to the queue (the runner resumes it
    /// from its checkpoint and saved rows), unless its cancellation had been asked for, or the
    /// service died during it so often that it used up its `maxAttempts` (no crash loop).
    public mutating func recoverAfterRestart(maxAttempts: Int, at date: Date = Date()) {
        guard state == .running else { return }
        // An attempt still open when the service stopped ended with the service (a crash or a kill).
        endAttempt(.crashed, reason: "the service stopped while this attempt ran", at: date)
        if cancelRequested {
            finish(.cancelled, at: date)
        } else if failedAttempts >= maxAttempts {
            finish(.failed, error: "gave up after \(failedAttempts) failed attempts (--max-attempts \(maxAttempts)); "
                   + "the last: \(attemptLog.last?.reason ?? "unknown")", at: date)
        } else {
            state = .queued
        }
    }
}

/// One run of a job's sweep, from a worker taking it to its process ending.
public struct JobAttempt: Codable, Equatable, Sendable {
    /// How an attempt ended. Only `crashed` counts against `--max-attempts`.
    public enum Outcome: String, Codable, Sendable {
        case succeeded
        /// The sweep reported an error of its own (a bad file, a full disk): not retried.
        case failed
        /// Its process died by a signal or a non-zero status, or the service died with it: retried.
        case crashed
        case cancelled
        /// The service shut down gracefully; the job resumes on the next start.
        case interrupted
    }

    public var started: Date
    /// nil while the attempt runs.
    public var ended: Date?
    public var outcome: Outcome?
    public var reason: String?

    public init(started: Date, ended: Date? = nil, outcome: Outcome? = nil, reason: String? = nil) {
        self.started = started
        self.ended = ended
        self.outcome = outcome
        self.reason = reason
    }
}
