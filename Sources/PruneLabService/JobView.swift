import Foundation
import PruneKit

/// A job as the API shows it (`GET /jobs/{id}`, list items, event data): the record flattened
/// for clients, with every field always present (null when unknown) and the artifact URLs.
struct JobView: Encodable {
    var record: JobRecord
    /// Names of the artifact files that exist now.
    var artifacts: [String]

    enum CodingKeys: String, CodingKey {
        case id, state, phase, progress, epoch, epochs, step, level, levels, method, sparsity, spec, error
        case attempts, artifacts, links, cores, estimate, units
        case attemptLog = "attempt_log"
        case stepsPerEpoch = "steps_per_epoch", repeatIndex = "repeat", etaSeconds = "eta_seconds"
        case samplesPerSecond = "samples_per_second", createdAt = "created_at", startedAt = "started_at"
        case finishedAt = "finished_at", cancelRequested = "cancel_requested"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let p = record.progress
        let path = "/jobs/\(record.id)"
        try c.encode(record.id, forKey: .id)
        try c.encode(record.state, forKey: .state)
        try c.encode(p?.phase, forKey: .phase)
        try c.encode(fraction, forKey: .progress)
        try c.encode(p?.epoch, forKey: .epoch)
        try c.encode(p?.epochs, forKey: .epochs)
        try c.encode(p?.step, forKey: .step)
        try c.encode(p?.stepsPerEpoch, forKey: .stepsPerEpoch)
        try c.encode(p?.level, forKey: .level)
        try c.encode(p?.levels, forKey: .levels)
        try c.encode(p?.method, forKey: .method)
        try c.encode(p?.sparsity, forKey: .sparsity)
        try c.encode(p?.repeatIndex, forKey: .repeatIndex)
        try c.encode(etaSeconds, forKey: .etaSeconds)
        try c.encode(p?.samplesPerSecond, forKey: .samplesPerSecond)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.startedAt, forKey: .startedAt)
        try c.encode(record.finishedAt, forKey: .finishedAt)
        try c.encode(record.error, forKey: .error)
        try c.encode(record.cancelRequested, forKey: .cancelRequested)
        try c.encode(record.attempts, forKey: .attempts)
        try c.encode(record.attemptLog.map(AttemptView.init), forKey: .attemptLog)
        try c.encode(record.cores, forKey: .cores)
        try c.encode(record.estimate, forKey: .estimate)
        try c.encode(record.units, forKey: .units)
        try c.encode(record.spec, forKey: .spec)
        try c.encode(Dictionary(uniqueKeysWithValues: artifacts.map { ($0, "\(path)/\($0)") }), forKey: .artifacts)
        try c.encode(["self": path, "events": "\(path)/events"], forKey: .links)
    }

    /// Running: from this attempt's pace (or the estimate until there is one); queued: the
    /// estimate; finished: none.
    private var etaSeconds: Double? {
        switch record.state {
        case .running: return record.progress?.etaSeconds ?? record.estimate.map { $0.seconds * (1 - fraction) }
        case .queued: return record.estimate?.seconds
        case .succeeded, .failed, .cancelled: return nil
        }
    }

    /// 0 before the first report, 1 once succeeded.
    private var fraction: Double {
        record.state == .succeeded ? 1 : min(1, max(0, record.progress?.fraction ?? 0))
    }
}

/// An attempt as the API shows it: every field present, null when unknown.
private struct AttemptView: Encodable {
    var attempt: JobAttempt
    enum CodingKeys: String, CodingKey { case started, ended, outcome, reason }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(attempt.started, forKey: .started)
        try c.encode(attempt.ended, forKey: .ended)
        try c.encode(attempt.outcome, forKey: .outcome)
        try c.encode(attempt.reason, forKey: .reason)
    }
}

/// The API's JSON encoding: snake_case keys as declared, ISO 8601 dates, stable key order.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = Timestamp.encoding
        return e
    }()

    static func data<T: Encodable>(_ value: T) -> Data {
        // Encoding these plain value types cannot fail; if it ever does, say so loudly in the body.
        (try? encoder.encode(value)) ?? Data(#"{"error":"encoding failed"}"#.utf8)
    }
}
