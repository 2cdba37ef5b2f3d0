import Foundation
import JobStoreKit
import PruneKit

/// The jobs as a front end sees them. The store is the truth: a job is submitted by enqueueing it
/// with its work units, workers (in this process's `WorkerPool` or on other machines) claim and
/// run the units, and every front end on the same store follows what happens through the store's
/// change feed, so any of them serves any job's status, events and artifacts.
///
/// A copy of every job as the API shows it (`JobRecord`) is kept in memory and brought up to date
/// from the feed every `refreshInterval`; status polls read it without touching the store. One
/// lock guards the copy; store calls happen outside it.
public final class JobManager: @unchecked Sendable {
    public enum Submission: Sendable {
        /// A new job, queued.
        case created(JobRecord)
        /// The `Idempotency-Key` was seen before with the same spec: that job.
        case replayed(JobRecord)
        /// The `Idempotency-Key` was seen before with a different spec.
        case keyReused(JobRecord)
        /// `limits.maxQueued` jobs are queued already.
        case queueFull(queued: Int, limit: Int)
    }

    public enum Deletion: Sendable {
        /// Removed with its record and artifacts (cancelled first if it was queued or running).
        case deleted(JobRecord)
        /// Its workers did not stop in time; it is cancelled and can be deleted in a moment.
        case stillRunning(JobRecord)
        case notFound
    }

    public enum Cancellation: Sendable {
        /// A queued job: cancelled now, it will never start.
        case cancelled(JobRecord)
        /// A running job: cancelled; its workers stop within a heartbeat and write nothing more.
        case stopping(JobRecord)
        case alreadyFinished(JobRecord)
        case notFound
    }

    public let store: any WorkStore
    /// Artifacts of job `id` are in `artifactsRoot/id/`.
    public let artifactsRoot: URL
    /// Workers this service runs (0 for a front end that runs no work).
    public let workerCount: Int
    public let limits: JobLimits
    /// How often the copy is brought up to date from the store.
    public let refreshInterval: Double

    private let condition = NSCondition()
    private var records: [String: JobRecord] = [:]
    private var sequence = 0
    private var listeners: [String: [ObjectIdentifier: JobEventFeed]] = [:]
    private var eventSequence: [String: Int] = [:]
    private var stopping = false
    private var refresher: Thread?
    private let refresherDone = DispatchSemaphore(value: 0)
    private var lastStoreError: String?
    /// Jobs this front end deleted whose tombstone the feed has not brought yet: a refresh that
    /// read the store just before the delete must not bring them back.
    private var deletedHere: Set<String> = []
    private let log: @Sendable (String) -> Void

    /// Reads every job from the store.
    public init(store: any WorkStore, artifactsRoot: URL, workers: Int = 0, limits: JobLimits = JobLimits(),
                refreshInterval: Double = 0.2, log: @escaping @Sendable (String) -> Void = { print($0) }) throws {
        self.store = store
        self.artifactsRoot = artifactsRoot
        self.workerCount = workers
        self.limits = limits
        self.refreshInterval = refreshInterval
        self.log = log
        try refresh()
    }

    // MARK: Lifecycle

    /// Starts following the store. Call once.
    public func start() {
        condition.lock()
        precondition(refresher == nil, "JobManager.start() called twice")
        let thread = Thread { [self] in
            while !condition.withLock({ stopping }) {
                refreshLogged()
                condition.lock()
                if !stopping { _ = condition.wait(until: Date(timeIntervalSinceNow: refreshInterval)) }
                condition.unlock()
            }
            refresherDone.signal()
        }
        thread.name = "prunelab-jobs-refresh"
        refresher = thread
        condition.unlock()
        thread.start()
    }

    /// Stops following the store; event streams end. Jobs and their workers are untouched.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        for feeds in listeners.values { for feed in feeds.values { feed.close() } }
        listeners.removeAll()
        let started = refresher != nil
        condition.unlock()
        if started { refresherDone.wait() }
    }

    // MARK: Following the store

    /// Brings the copy up to date with the store now, publishing an event for each job that changed.
    public func refresh() throws {
        let after = condition.withLock { sequence }
        let changes = try store.changes(after: after)
        let now = Date().timeIntervalSince1970
        var updated: [JobRecord] = []
        for job in changes.jobs {
            do {
                updated.append(try JobRecord(stored: job, units: store.units(of: job.id), attempts: store.attempts(of: job.id), now: now))
            } catch let error as WorkStoreError {
                throw error
            } catch {
                log("warning: job \(job.id) in the store cannot be shown: \(ErrorText.message(for: error))")
            }
        }
        condition.lock()
        for id in changes.deletedJobIDs {
            deletedHere.remove(id)
            if records[id] != nil { forgetLocked(id) }
        }
        for record in updated where !deletedHere.contains(record.id) { applyLocked(record) }
        sequence = max(sequence, changes.sequence)
        let expired = retentionVictimsLocked()
        condition.unlock()
        for id in expired {
            log("job \(id) deleted: more than \(limits.retainFinished ?? 0) finished jobs (--retain)")
            _ = try? remove(id)
        }
    }

    private func refreshLogged() {
        do {
            try refresh()
            if condition.withLock({ lastStoreError }) != nil {
                log("the job store answers again")
                condition.withLock { lastStoreError = nil }
            }
        } catch {
            let message = ErrorText.message(for: error)
            if condition.withLock({ lastStoreError }) != message { log("error: cannot read the job store: \(message)") }
            condition.withLock { lastStoreError = message }
        }
    }

    /// The job's record from the store now (nil when it has none), applied to the copy.
    private func refreshed(_ id: String) throws -> JobRecord? {
        guard let job = try store.job(id) else {
            condition.withLock { if records[id] != nil { forgetLocked(id) } }
            return nil
        }
        let record = try JobRecord(stored: job, units: store.units(of: id), attempts: store.attempts(of: id),
                                   now: Date().timeIntervalSince1970)
        condition.withLock { applyLocked(record) }
        return record
    }

    // MARK: Queries

    public func job(_ id: String) -> JobRecord? {
        condition.lock(); defer { condition.unlock() }
        return records[id]
    }

    /// Jobs newest first, optionally only those in `state`.
    public func jobs(in state: JobState? = nil) -> [JobRecord] {
        condition.lock(); defer { condition.unlock() }
        return records.values
            .filter { state == nil || $0.state == state }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    public var queueLength: Int {
        condition.lock(); defer { condition.unlock() }
        return records.values.lazy.filter { $0.state == .queued }.count
    }

    public func countsByState() -> [JobState: Int] {
        condition.lock(); defer { condition.unlock() }
        var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
        for record in records.values { counts[record.state, default: 0] += 1 }
        return counts
    }

    /// Training throughput of the jobs training now, summed (0 when none trains).
    public func trainingSamplesPerSecond() -> Double {
        condition.lock(); defer { condition.unlock() }
        return records.values.compactMap { record -> Double? in
            guard record.state == .running, let p = record.progress, p.phase == .training || p.phase == .fineTuning else { return nil }
            return p.samplesPerSecond
        }.reduce(0, +)
    }

    /// The artifact files a job can have (with one checkpoint per repeat); nil for an unknown job.
    public func artifactNames(of id: String) -> [String]? {
        job(id).map { SweepRunner.artifactNames(repeats: $0.spec.repeats) }
    }

    /// The artifact files of a job that exist now.
    public func existingArtifacts(of id: String) -> [String] {
        // Plain path strings and stat: URL appending and FileManager were a quarter of a poll's time.
        // A job that never ran has no folder: one stat then, instead of one per artifact name.
        let folder = artifactsRoot.path + "/" + id
        var info = stat()
        guard stat(folder, &info) == 0 else { return [] }
        return (artifactNames(of: id) ?? []).filter { stat(folder + "/" + $0, &info) == 0 }
    }

    // MARK: Commands

    /// Queues a validated spec (resolved: imported weights read); it is in the store before this returns.
    public func submit(_ spec: SweepSpec, idempotencyKey: String? = nil, estimate: JobEstimate? = nil) throws -> Submission {
        if let key = idempotencyKey, let existing = try submitted(withKey: key) {
            return existing.spec == spec ? .replayed(existing) : .keyReused(existing)
        }
        let queued = queueLength
        if queued >= limits.maxQueued { return .queueFull(queued: queued, limit: limits.maxQueued) }

        let plan = SweepPlan(spec: spec)
        let costs = (try? spec.dataShape()).map { plan.unitCosts(spec: spec, shape: $0) } ?? [:]
        let metadata = try String(decoding: JSONEncoder().encode(JobMetadata(estimate: estimate)), as: UTF8.self)
        let job = NewJob(spec: spec, idempotencyKey: idempotencyKey, metadataJSON: metadata, unitCosts: costs)
        do {
            try store.enqueue(job, plan: plan, maxAttempts: limits.maxAttempts)
        } catch WorkStoreError.duplicateIdempotencyKey(let key) {
            // Another front end took the key in the meantime.
            guard let existing = try submitted(withKey: key) else { throw WorkStoreError.duplicateIdempotencyKey(key) }
            return existing.spec == spec ? .replayed(existing) : .keyReused(existing)
        }
        guard let record = try refreshed(job.id) else { throw WorkStoreError.unknownJob(job.id) }
        return .created(record)
    }

    private func submitted(withKey key: String) throws -> JobRecord? {
        if let id = condition.withLock({ records.values.first { $0.idempotencyKey == key }?.id }) { return try refreshed(id) }
        return try store.job(idempotencyKey: key).flatMap { try refreshed($0.id) }
    }

    /// Queues the reference experiment unless some job exists already, costed like any other submission.
    @discardableResult
    public func submitReferenceIfNoJobs() throws -> JobRecord? {
        guard jobs().isEmpty else { return nil }
        let verdict = Admission(limits: limits).judge(.reference)
        if case .created(let record) = try submit(verdict.spec, estimate: verdict.estimate) { return record }
        return nil
    }

    public func cancel(_ id: String) throws -> Cancellation {
        guard let record = try refreshed(id) else { return .notFound }
        if record.state.isFinished { return .alreadyFinished(record) }
        let wasRunning = record.state == .running
        let cancelled = try store.cancel(jobID: id)
        guard let now = try refreshed(id) else { return .notFound }
        if !cancelled { return .alreadyFinished(now) }
        return wasRunning ? .stopping(now) : .cancelled(now)
    }

    /// Removes a job, its rows and its artifacts, cancelling it first when it is queued or
    /// running and waiting up to `timeout` for its workers to let go of its units.
    public func delete(_ id: String, timeout: TimeInterval = 30) throws -> Deletion {
        guard var record = try refreshed(id) else { return .notFound }
        if !record.state.isFinished { _ = try store.cancel(jobID: id) }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while try store.units(of: id).contains(where: { $0.state == .leased && ($0.leaseExpiresAt ?? 0) > Date().timeIntervalSince1970 }) {
            if Date() >= deadline {
                return .stillRunning(try refreshed(id) ?? record)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        record = try refreshed(id) ?? record
        guard try remove(id) else { return .notFound }   // another front end deleted it first
        log("job \(id) deleted")
        return .deleted(record)
    }

    /// Deletes the job from the store, then its folder, and only then forgets it, so that a
    /// 404 here means the artifacts are gone too.
    private func remove(_ id: String) throws -> Bool {
        let removed = try store.delete(jobID: id)
        condition.withLock { _ = deletedHere.insert(id) }
        defer { condition.withLock { if records[id] != nil { forgetLocked(id) } } }
        let folder = artifactsRoot.appendingPathComponent(id, isDirectory: true)
        if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
        return removed
    }

    // MARK: Events

    /// A feed of the job's events, starting with a `state` event of its current record; the
    /// feed closes after the job's final state event (at once for a finished job).
    func subscribe(to id: String) -> JobEventFeed? {
        condition.lock(); defer { condition.unlock() }
        guard let record = records[id] else { return nil }
        let feed = JobEventFeed()
        feed.push(JobEvent(kind: .state, sequence: eventSequence[id, default: 0], job: record))
        if record.state.isFinished || stopping {
            feed.close()
        } else {
            listeners[id, default: [:]][ObjectIdentifier(feed)] = feed
        }
        return feed
    }

    func unsubscribe(_ feed: JobEventFeed, from id: String) {
        condition.lock(); defer { condition.unlock() }
        listeners[id]?[ObjectIdentifier(feed)] = nil
        feed.close()
    }

    // MARK: Changes (call with the lock held)

    /// Keeps the new record and publishes what changed: `state` when the state did, else `progress`.
    private func applyLocked(_ record: JobRecord) {
        let previous = records[record.id]
        records[record.id] = record
        guard previous != record else { return }
        if previous == nil || previous?.state != record.state || previous?.cancelRequested != record.cancelRequested {
            publishLocked(.state, record)
        } else {
            publishLocked(.progress, record)
        }
    }

    /// The finished jobs beyond `limits.retainFinished`, oldest first.
    private func retentionVictimsLocked() -> [String] {
        guard let keep = limits.retainFinished else { return [] }
        let finished = records.values.filter { $0.state.isFinished }
            .sorted { ($0.finishedAt ?? $0.createdAt, $0.id) < ($1.finishedAt ?? $1.createdAt, $1.id) }
        return finished.dropLast(max(0, keep)).map(\.id)
    }

    /// Drops every trace of a job from memory; its event streams end.
    private func forgetLocked(_ id: String) {
        records[id] = nil
        eventSequence[id] = nil
        if let feeds = listeners[id] { for feed in feeds.values { feed.close() } }
        listeners[id] = nil
    }

    private func publishLocked(_ kind: JobEvent.Kind, _ record: JobRecord) {
        let sequence = eventSequence[record.id, default: 0] + 1
        eventSequence[record.id] = sequence
        let event = JobEvent(kind: kind, sequence: sequence, job: record)
        guard let feeds = listeners[record.id] else { return }
        for feed in feeds.values { feed.push(event) }
        if kind == .state && record.state.isFinished {
            for feed in feeds.values { feed.close() }
            listeners[record.id] = nil
        }
    }
}
