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
    /// How many times a worker started this job: more than 1 after a resume.
    public var attempts: Int

    public init(id: String = UUID().uuidString.lowercased(), spec: SweepSpec, idempotencyKey: String? = nil,
                createdAt: Date = Date()) {
        self.id = id
        self.state = .queued
        self.spec = spec
        self.createdAt = createdAt
        self.idempotencyKey = idempotencyKey
        self.cancelRequested = false
        self.attempts = 0
    }

    enum CodingKeys: String, CodingKey {
        case id, state, spec, progress, error, attempts
        case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at"
        case idempotencyKey = "idempotency_key", cancelRequested = "cancel_requested"
    }

    /// A worker takes the job.
    public mutating func start(at date: Date = Date()) {
        precondition(state == .queued, "only a queued job can start, job \(id) is \(state)")
        state = .running
        if startedAt == nil { startedAt = date }
        attempts += 1
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
    /// from its checkpoint and saved rows), unless its cancellation had been asked for.
    public mutating func recoverAfterRestart(at date: Date = Date()) {
        guard state == .running else { return }
        if cancelRequested {
            finish(.cancelled, at: date)
        } else {
            state = .queued
        }
    }
}
