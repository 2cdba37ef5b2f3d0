import Foundation
import PruneKit

/// The jobs of the service: accepts submissions, keeps every change on disk, runs queued jobs
/// in order on its own worker threads (never on the HTTP server's), and tells listeners what
/// happens. Every public method returns quickly, so status polls stay fast while sweeps train.
///
/// Each worker is a supervisor: its executor runs an attempt (by default in a child process,
/// on the worker's share of the CPUs, under a memory limit). An attempt whose process crashes
/// is retried from the checkpoint and rows, up to `limits.maxAttempts`; then the job fails.
///
/// One lock guards all state; disk writes happen off the lock on a serial queue, enqueued
/// under the lock so that they reach the disk in the order of the changes.
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
        /// Its process did not stop in time; it was asked to stop and is still there.
        case stillRunning(JobRecord)
        case notFound
    }

    public enum Cancellation: Sendable {
        /// A queued job: cancelled now, it will never start.
        case cancelled(JobRecord)
        /// A running job: asked to stop; it stops at the next batch.
        case stopping(JobRecord)
        case alreadyFinished(JobRecord)
        case notFound
    }

    public let store: JobStore
    /// Artifacts of job `id` go to `artifactsRoot/id/`.
    public let artifactsRoot: URL
    public let executor: SweepExecutor
    public let workerCount: Int
    public let limits: JobLimits
    /// The CPUs the workers share out.
    private let cpus = CPUShare.allowedCPUs()

    private let condition = NSCondition()
    private var records: [String: JobRecord] = [:]
    private var queue: [String] = []
    private var idempotencyKeys: [String: String] = [:]
    private var running: [String: RunningJob] = [:]
    private var listeners: [String: [ObjectIdentifier: JobEventFeed]] = [:]
    private var eventSequence: [String: Int] = [:]
    private var stopping = false
    private var started = false
    private let workersDone = DispatchGroup()
    private let diskQueue = DispatchQueue(label: "prunelab.job-store")
    private let log: @Sendable (String) -> Void

    /// The bookkeeping of a job a worker is running.
    private struct RunningJob {
        var cancellation = CancellationFlag()
        var attemptStart = Date()
        var fractionAtStart: Double
        var lastPublished = Date.distantPast
        var lastSaved = Date()
    }

    /// Loads every stored job (with `workers` 0 the manager only queues: a front end that runs
    /// no work, and a deterministic server for contract tests); jobs that were running when the last process ended go back to
    /// the queue, ahead of nothing: the queue keeps submission order.
    public init(store: JobStore, artifactsRoot: URL, executor: SweepExecutor, workers: Int = 1,
                limits: JobLimits = JobLimits(), log: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.store = store
        self.artifactsRoot = artifactsRoot
        self.executor = executor
        self.workerCount = workers
        self.limits = limits
        self.log = log
        let (loaded, damaged) = store.loadAll()
        for problem in damaged { log("warning: \(problem)") }
        for var record in loaded {
            let before = record.state
            record.recoverAfterRestart(maxAttempts: limits.maxAttempts)
            if record.state != before {
                log("job \(record.id) was \(before.rawValue) when the service stopped; now \(record.state.rawValue)"
                    + (record.error.map { ": \($0)" } ?? ""))
                _ = persistLocked(record)
            }
            records[record.id] = record
            if let key = record.idempotencyKey { idempotencyKeys[key] = record.id }
            if record.state == .queued { queue.append(record.id) }
        }
        enforceRetentionLocked()
    }

    // MARK: Lifecycle

    /// Starts the worker threads. Call once.
    public func start() {
        condition.lock()
        precondition(!started, "JobManager.start() called twice")
        started = true
        condition.unlock()
        for index in 0..<workerCount {
            workersDone.enter()
            let thread = Thread { [self] in
                workerLoop(index: index)
                workersDone.leave()
            }
            thread.name = "prunelab-worker-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Stops the workers and waits for them. A running job's process is stopped (SIGTERM, then
    /// SIGKILL); the job stays `running` on disk, so the next start resumes it. Event streams end.
    public func shutdown() {
        condition.lock()
        stopping = true
        for job in running.values { job.cancellation.cancel() }
        condition.broadcast()
        for feeds in listeners.values { for feed in feeds.values { feed.close() } }
        listeners.removeAll()
        let wasStarted = started
        condition.unlock()
        if wasStarted { workersDone.wait() }
        waitForPendingWrites()
    }

    /// Returns once every change made so far is on disk.
    func waitForPendingWrites() {
        diskQueue.sync {}
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
        return queue.count
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
        return running.keys.compactMap { id -> Double? in
            guard let p = records[id]?.progress, p.phase == .training || p.phase == .fineTuning else { return nil }
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

    /// Queues a validated spec. The record is on disk before this returns.
    public func submit(_ spec: SweepSpec, idempotencyKey: String? = nil, estimate: JobEstimate? = nil) throws -> Submission {
        condition.lock()
        if let key = idempotencyKey, let id = idempotencyKeys[key], let existing = records[id] {
            condition.unlock()
            return existing.spec == spec ? .replayed(existing) : .keyReused(existing)
        }
        let queued = records.values.lazy.filter { $0.state == .queued }.count
        if queued >= limits.maxQueued {
            condition.unlock()
            return .queueFull(queued: queued, limit: limits.maxQueued)
        }
        var record = JobRecord(spec: spec, idempotencyKey: idempotencyKey)
        record.estimate = estimate
        records[record.id] = record
        if let key = idempotencyKey { idempotencyKeys[key] = record.id }
        let write = persistLocked(record)
        condition.unlock()

        if let error = write.wait() {
            condition.lock()
            // A cancel during the write may have saved the record again after the failed write:
            // the removal goes to the disk queue behind it, so no record is left behind.
            if records[record.id] != nil { forgetLocked(record.id) }
            _ = removeFromDiskLocked(record.id)
            condition.unlock()
            throw error
        }
        condition.lock()
        // A cancel or DELETE may have come while it was being written.
        if records[record.id]?.state == .queued {
            queue.append(record.id)
            condition.broadcast()
        }
        let current = records[record.id] ?? record
        condition.unlock()
        return .created(current)
    }

    /// Queues the reference experiment unless some job exists already, costed like any other
    /// submission (its estimate sets its process's memory limit).
    @discardableResult
    public func submitReferenceIfNoJobs() throws -> JobRecord? {
        guard jobs().isEmpty else { return nil }
        let verdict = Admission(limits: limits).judge(.reference)
        if case .created(let record) = try submit(.reference, estimate: verdict.estimate) { return record }
        return nil
    }

    public func cancel(_ id: String) -> Cancellation {
        condition.lock(); defer { condition.unlock() }
        return cancelLocked(id)
    }

    private func cancelLocked(_ id: String) -> Cancellation {
        guard var record = records[id] else { return .notFound }
        switch record.state {
        case .queued:
            queue.removeAll { $0 == id }
            record.finish(.cancelled)
            update(record, event: .state)
            return .cancelled(record)
        case .running:
            record.cancelRequested = true
            update(record, event: .progress)   // listeners see cancel_requested at once
            running[id]?.cancellation.cancel()
            return .stopping(record)
        case .succeeded, .failed, .cancelled:
            return .alreadyFinished(record)
        }
    }

    /// Removes a job, its record and its artifacts, cancelling it first when it is queued or
    /// running (waiting up to `timeout` for its process to stop). Afterwards the job is unknown.
    public func delete(_ id: String, timeout: TimeInterval = 30) -> Deletion {
        condition.lock()
        guard records[id] != nil else { condition.unlock(); return .notFound }
        _ = cancelLocked(id)
        let deadline = Date(timeIntervalSinceNow: timeout)
        while running[id] != nil {
            if !condition.wait(until: deadline) { break }
        }
        guard let record = records[id] else { condition.unlock(); return .notFound }   // another DELETE won
        if running[id] != nil { condition.unlock(); return .stillRunning(record) }
        forgetLocked(id)
        let removal = removeFromDiskLocked(id)
        condition.unlock()
        _ = removal.wait()
        log("job \(id) deleted")
        return .deleted(record)
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

    // MARK: Worker

    private func workerLoop(index: Int) {
        let share = CPUShare.share(worker: index, of: workerCount, cpus: cpus)
        while let (attempt, cancellation) = takeNextJob(cpus: share) {
            let id = attempt.jobID
            var failure: Error?
            do {
                try FileManager.default.createDirectory(at: attempt.outputDirectory, withIntermediateDirectories: true)
                try executor.run(attempt, cancellation: cancellation) { [self] progress in
                    report(progress, of: id)
                }
            } catch {
                failure = error
            }
            finishAttempt(id, failure: failure, cancellation: cancellation)
        }
    }

    /// Blocks until a job is queued (or the manager stops: nil), then marks it running.
    private func takeNextJob(cpus: [Int]) -> (SweepAttempt, CancellationFlag)? {
        condition.lock(); defer { condition.unlock() }
        while true {
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping { return nil }
            let id = queue.removeFirst()
            guard var record = records[id], record.state == .queued else { continue }
            record.start(cores: cpus.count)
            let job = RunningJob(fractionAtStart: record.progress?.fraction ?? 0)
            running[id] = job
            update(record, event: .state)
            let memory = limits.memoryLimit(record, limits)
            log("job \(id) started (attempt \(record.attempts), CPUs \(cpus)"
                + (memory.map { ", memory limit \($0 >> 20) MiB" } ?? "") + ")")
            let attempt = SweepAttempt(jobID: id, spec: record.spec,
                                       outputDirectory: artifactsRoot.appendingPathComponent(id, isDirectory: true),
                                       memoryLimitBytes: memory, cpus: cpus)
            return (attempt, job.cancellation)
        }
    }

    private func report(_ progress: SweepProgress, of id: String) {
        condition.lock(); defer { condition.unlock() }
        guard var record = records[id], var job = running[id] else { return }
        var progress = progress
        if progress.etaSeconds == nil {
            progress.etaSeconds = estimatedSecondsLeft(fraction: progress.fraction, job: job)
        }
        let previous = record.progress
        record.progress = progress
        let now = Date()
        let milestone = previous?.phase != progress.phase || previous?.epoch != progress.epoch
            || previous?.level != progress.level
        let publish = milestone || now.timeIntervalSince(job.lastPublished) >= 0.25
        let save = milestone || now.timeIntervalSince(job.lastSaved) >= 2
        if publish { job.lastPublished = now }
        if save { job.lastSaved = now }
        running[id] = job
        records[id] = record
        if publish { publishLocked(.progress, record) }
        if save { _ = persistLocked(record) }
    }

    /// Remaining time from this attempt's pace; nil until there is a basis.
    private func estimatedSecondsLeft(fraction: Double, job: RunningJob) -> Double? {
        let done = fraction - job.fractionAtStart
        let elapsed = Date().timeIntervalSince(job.attemptStart)
        guard done > 0.01, elapsed > 1 else { return nil }
        return max(0, elapsed * (1 - fraction) / done)
    }

    /// Records how an attempt ended and what follows: done, a retry, or a resume on the next start.
    private func finishAttempt(_ id: String, failure: Error?, cancellation: CancellationFlag) {
        condition.lock()
        defer {
            condition.broadcast()   // a DELETE may be waiting for this job to stop
            condition.unlock()
        }
        running[id] = nil
        guard var record = records[id] else { return }
        switch failure {
        case nil:
            record.endAttempt(.succeeded, reason: "succeeded")
            record.finish(.succeeded)
        case _ where record.cancelRequested && (failure is SweepCancelled || cancellation.isCancelled):
            record.endAttempt(.cancelled, reason: "cancelled")
            record.finish(.cancelled)
        case _ where stopping && cancellation.isCancelled:
            // Interrupted by shutdown: stays running on disk, resumed by the next start.
            record.endAttempt(.interrupted, reason: "the service shut down; the job resumes on its next start")
            records[id] = record
            _ = persistLocked(record)
            log("job \(id) interrupted by shutdown; it resumes on the next start")
            return
        case .some(let crash as SweepProcessCrash):
            record.endAttempt(.crashed, reason: crash.description)
            if record.failedAttempts < limits.maxAttempts {
                record.requeueForRetry()
                queue.insert(id, at: 0)
                log("job \(id) attempt \(record.attempts) failed (\(crash.termination)); retrying from its checkpoint and rows")
                update(record, event: .state)
                return
            }
            record.finish(.failed, error: "gave up after \(record.failedAttempts) failed attempts (--max-attempts "
                          + "\(limits.maxAttempts)); the last: \(crash.description)")
        case let error?:
            let message = Self.message(for: error)
            record.endAttempt(.failed, reason: message)
            record.finish(.failed, error: message)
        }
        log("job \(id) \(record.state.rawValue)\(record.error.map { ": \($0)" } ?? "")")
        update(record, event: .state)
        enforceRetentionLocked()
    }

    private static func message(for error: Error) -> String { ErrorText.message(for: error) }

    // MARK: Changes (call with the lock held)

    /// Keeps at most `limits.retainFinished` finished jobs: the oldest beyond are deleted.
    private func enforceRetentionLocked() {
        guard let keep = limits.retainFinished else { return }
        let finished = records.values.filter { $0.state.isFinished }
            .sorted { ($0.finishedAt ?? $0.createdAt, $0.id) < ($1.finishedAt ?? $1.createdAt, $1.id) }
        for record in finished.dropLast(max(0, keep)) {
            forgetLocked(record.id)
            _ = removeFromDiskLocked(record.id)
            log("job \(record.id) deleted: more than \(keep) finished jobs (--retain)")
        }
    }

    /// Drops every trace of a job from memory; its event streams end.
    private func forgetLocked(_ id: String) {
        if let key = records[id]?.idempotencyKey, idempotencyKeys[key] == id { idempotencyKeys[key] = nil }
        records[id] = nil
        queue.removeAll { $0 == id }
        eventSequence[id] = nil
        if let feeds = listeners[id] { for feed in feeds.values { feed.close() } }
        listeners[id] = nil
    }

    /// Removes the job's record and artifacts from disk, after every write queued before.
    private func removeFromDiskLocked(_ id: String) -> PendingWrite {
        let write = PendingWrite()
        let folder = artifactsRoot.appendingPathComponent(id, isDirectory: true)
        diskQueue.async { [store, log] in
            do {
                try store.remove(id)
                if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
            } catch {
                write.error = error
                log("error: cannot delete job \(id): \(error)")
            }
            write.done.signal()
        }
        return write
    }

    /// Stores the new record in memory and on disk, and publishes it as `event`.
    private func update(_ record: JobRecord, event: JobEvent.Kind) {
        records[record.id] = record
        _ = persistLocked(record)
        publishLocked(event, record)
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

    private func persistLocked(_ record: JobRecord) -> PendingWrite {
        let write = PendingWrite()
        diskQueue.async { [store, log] in
            do { try store.save(record) } catch {
                write.error = error
                log("error: cannot save job \(record.id): \(error)")
            }
            write.done.signal()
        }
        return write
    }

    private final class PendingWrite: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var error: Error?
        /// Waits for the write; its error, if any.
        func wait() -> Error? { done.wait(); return error }
    }
}
