import Foundation
import JobStoreKit
import PruneKit

extension JobRecord {
    /// The job as the API shows it, from what the store keeps: its row, its units (their state,
    /// cost and latest progress) and every attempt at them.
    init(stored: StoredJob, units: [StoredUnit], attempts: [UnitAttempt], now: Double) throws {
        self.init(id: stored.id, spec: try stored.spec(), idempotencyKey: stored.idempotencyKey,
                  createdAt: Date(timeIntervalSince1970: stored.createdAt))
        state = JobState(stored.state)
        startedAt = stored.startedAt.map(Date.init(timeIntervalSince1970:))
        finishedAt = stored.finishedAt.map(Date.init(timeIntervalSince1970:))
        error = stored.error
        estimate = stored.metadataJSON.flatMap { try? JSONDecoder().decode(JobMetadata.self, from: Data($0.utf8)) }?.estimate
        self.attempts = attempts.count
        attemptLog = attempts.map { attempt in
            var entry = JobAttempt(attempt)
            // A unit handed back once its job was cancelled ended with the cancel.
            if stored.state == .cancelled, attempt.outcome == .released, let finished = stored.finishedAt,
               (attempt.endedAt ?? 0) >= finished {
                entry.outcome = .cancelled
            }
            return entry
        }
        // Cancelled in the store at once; its workers stop at their next heartbeat.
        cancelRequested = stored.state == .cancelled
            && units.contains { $0.state == .leased && ($0.leaseExpiresAt ?? 0) > now }
        self.units = UnitCounts(units)
        progress = Self.progress(of: units, state: state, startedAt: stored.startedAt, now: now, levels: spec.points.count)
    }

    /// The job's progress: the units' work done, weighted by their cost, with the phase and
    /// position of the earliest unit running; the ETA from the job's pace since it started.
    static func progress(of units: [StoredUnit], state: JobState, startedAt: Double?, now: Double, levels: Int) -> SweepProgress? {
        let decoder = JSONDecoder()
        let reports = units.map { unit in unit.progressJSON.flatMap { try? decoder.decode(SweepProgress.self, from: Data($0.utf8)) } }
        guard state != .queued || reports.contains(where: { $0 != nil }) else { return nil }
        let total = units.reduce(0) { $0 + max($1.cost, 0) }
        var done = 0.0
        for (unit, report) in zip(units, reports) {
            switch unit.state {
            case .done: done += max(unit.cost, 0)
            case .leased: done += max(unit.cost, 0) * min(max(report?.fraction ?? 0, 0), 1)
            case .pending, .failed: break
            }
        }
        let pairs = Array(zip(units, reports))
        let current = pairs.first { $0.0.state == .leased && $0.1 != nil }?.1
        let last = pairs.last { $0.1 != nil }?.1
        let fallback: SweepProgress? = switch state {
        case .running: SweepProgress(phase: .loading, fraction: 0)
        case .succeeded: SweepProgress(phase: .reporting, fraction: 1)   // units too quick for any heartbeat
        case .queued, .failed, .cancelled: nil
        }
        guard var progress = current ?? last ?? fallback else { return nil }
        let fraction = state == .succeeded ? 1 : (total > 0 ? min(done / total, 1) : 0)
        progress.fraction = fraction
        progress.levels = levels
        progress.etaSeconds = nil
        if state == .succeeded {
            progress.etaSeconds = 0
        } else if state == .running, let startedAt, fraction > 0.01, now - startedAt > 1 {
            progress.etaSeconds = max(0, (now - startedAt) * (1 - fraction) / fraction)
        }
        return progress
    }
}

extension UnitCounts {
    init(_ units: [StoredUnit]) {
        self.init()
        total = units.count
        for unit in units {
            switch unit.state {
            case .done: done += 1
            case .leased: running += 1
            case .failed: failed += 1
            case .pending: break
            }
        }
    }
}

/// What a front end keeps with a job in the store (`NewJob.metadataJSON`), never read by workers.
struct JobMetadata: Codable {
    var estimate: JobEstimate?
}

extension JobState {
    init(_ state: StoredJobState) {
        switch state {
        case .queued: self = .queued
        case .running: self = .running
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
    }
}

extension JobAttempt {
    /// A unit's attempt as the job's attempt log shows it.
    init(_ attempt: UnitAttempt) {
        let outcome: Outcome? = attempt.outcome.map {
            switch $0 {
            case .done: return .succeeded
            case .failed: return .failed
            case .released: return .interrupted
            case .expired: return .crashed
            }
        }
        let who = "unit \(attempt.unitKey) on worker \(attempt.worker)"
        self.init(started: Date(timeIntervalSince1970: attempt.startedAt), ended: attempt.endedAt.map(Date.init(timeIntervalSince1970:)),
                  outcome: outcome, reason: attempt.reason.map { "\(who): \($0)" } ?? (outcome == nil ? nil : who))
    }
}
