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

/// A job as the API shows it (`JobView` encodes it), built from what the store keeps
/// (`JobRecord+Store.swift`): the job's row, its units and every attempt at them.
public struct JobRecord: Equatable, Sendable {
    /// A random UUID, lowercase.
    public var id: String
    public var state: JobState
    /// The fully resolved spec (defaults filled in).
    public var spec: SweepSpec
    public var createdAt: Date
    /// When a worker first claimed one of its units.
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The job's progress, from its units'; nil until one of them has run.
    public var progress: SweepProgress?
    /// Why a failed job failed.
    public var error: String?
    /// The client's `Idempotency-Key`, if it sent one.
    public var idempotencyKey: String?
    /// The job is cancelled and a worker still holds one of its units (it lets go at its next heartbeat).
    public var cancelRequested: Bool
    /// Attempts at the job's units: one per unit, more after a worker died or was stopped.
    public var attempts: Int
    /// One entry per attempt at a unit, oldest first: when it ran and how it ended.
    public var attemptLog: [JobAttempt]
    /// The cores of the job's last attempt, where known (nil: its units ran on workers' own shares).
    public var cores: Int?
    /// What admission estimated the job costs (peak memory, FLOPs, seconds); nil for jobs
    /// accepted before estimates existed.
    public var estimate: JobEstimate?
    /// Its work units by state.
    public var units = UnitCounts()

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
    }
}

/// A job's work units (its trainings, lines of points and reports) by state.
public struct UnitCounts: Codable, Equatable, Sendable {
    public var total = 0
    public var done = 0
    /// Held by a worker now.
    public var running = 0
    /// Out of attempts.
    public var failed = 0
    public init() {}
}

/// One attempt at one of a job's units, from a worker claiming it to its end.
public struct JobAttempt: Codable, Equatable, Sendable {
    /// How an attempt ended. `failed` and `crashed` count against `--max-attempts`.
    public enum Outcome: String, Codable, Sendable {
        case succeeded
        /// The unit failed with an error of its own (a bad file, a full disk).
        case failed
        /// Its worker died or lost its lease (the lease expired).
        case crashed
        /// Its job was cancelled while it ran.
        case cancelled
        /// Its worker was stopped and handed it back; another resumes it.
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
