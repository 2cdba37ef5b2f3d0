import Foundation
import PruneKit

/// The jobs of the service: accepts submissions, keeps every change on disk, runs queued jobs
/// in order on its own worker threads (never on the HTTP server's), and tells listeners what
/// happens. Every public method returns quickly, so status polls stay fast while sweeps train.
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
                log: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.store = store
        self.artifactsRoot = artifactsRoot
        self.executor = executor
        self.workerCount = workers
        self.log = log
        let (loaded, damaged) = store.loadAll()
        for problem in damaged { log("warning: \(problem)") }
        for var record in loaded {
            let before = record.state
            record.recoverAfterRestart()
            if record.state != before {
                log("job \(record.id) was \(before.rawValue) when the service stopped; now \(record.state.rawValue)")
                _ = persistLocked(record)
            }
            records[record.id] = record
            if let key = record.idempotencyKey { idempotencyKeys[key] = record.id }
            if record.state == .queued { queue.append(record.id) }
        }
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
                workerLoop()
                workersDone.leave()
            }
            thread.name = "prunelab-worker-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Stops the workers and waits for them. A running job is interrupted but stays `running`
    /// on disk, so the next start resumes it, as after a crash. Event streams end.
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

    /// The artifact files of a job that exist now.
    public func existingArtifacts(of id: String) -> [String] {
        let folder = artifactsRoot.appendingPathComponent(id, isDirectory: true)
        return executor.artifactNames.filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
    }

    // MARK: Commands

    /// Queues a validated spec. The record is on disk before this returns.
    public func submit(_ spec: SweepSpec, idempotencyKey: String? = nil) throws -> Submission {
        condition.lock()
        if let key = idempotencyKey, let id = idempotencyKeys[key], let existing = records[id] {
            condition.unlock()
            return existing.spec == spec ? .replayed(existing) : .keyReused(existing)
        }
        let record = JobRecord(spec: spec, idempotencyKey: idempotencyKey)
        records[record.id] = record
        if let key = idempotencyKey { idempotencyKeys[key] = record.id }
        let write = persistLocked(record)
        condition.unlock()

        if let error = write.wait() {
            condition.lock()
            records[record.id] = nil
            if let key = idempotencyKey { idempotencyKeys[key] = nil }
            condition.unlock()
            throw error
        }
        condition.lock()
        // A DELETE may have cancelled it while it was being written.
        if records[record.id]?.state == .queued {
            queue.append(record.id)
            condition.signal()
        }
        let current = records[record.id] ?? record
        condition.unlock()
        return .created(current)
    }

    /// Queues the reference experiment unless some job exists already.
    @discardableResult
    public func submitReferenceIfNoJobs() throws -> JobRecord? {
        guard jobs().isEmpty else { return nil }
        if case .created(let record) = try submit(.reference) { return record }
        return nil
    }

    public func cancel(_ id: String) -> Cancellation {
        condition.lock(); defer { condition.unlock() }
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

    private func workerLoop() {
        while let (id, spec, cancellation) = takeNextJob() {
            let folder = artifactsRoot.appendingPathComponent(id, isDirectory: true)
            var failure: Error?
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try executor.run(spec, outputDirectory: folder, cancellation: cancellation) { [self] progress in
                    report(progress, of: id)
                }
            } catch {
                failure = error
            }
            finishJob(id, failure: failure, cancellation: cancellation)
        }
    }

    /// Blocks until a job is queued (or the manager stops: nil), then marks it running.
    private func takeNextJob() -> (String, SweepSpec, CancellationFlag)? {
        condition.lock(); defer { condition.unlock() }
        while true {
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping { return nil }
            let id = queue.removeFirst()
            guard var record = records[id], record.state == .queued else { continue }
            record.start()
            let job = RunningJob(fractionAtStart: record.progress?.fraction ?? 0)
            running[id] = job
            update(record, event: .state)
            log("job \(id) started (attempt \(record.attempts))")
            return (id, record.spec, job.cancellation)
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

    private func finishJob(_ id: String, failure: Error?, cancellation: CancellationFlag) {
        condition.lock(); defer { condition.unlock() }
        running[id] = nil
        guard var record = records[id] else { return }
        if failure != nil && cancellation.isCancelled && !record.cancelRequested {
            // Interrupted by shutdown: stays running on disk, resumed by the next start.
            _ = persistLocked(record)
            log("job \(id) interrupted by shutdown; it resumes on the next start")
            return
        }
        if failure == nil {
            record.finish(.succeeded)
        } else if record.cancelRequested && (failure is SweepCancelled || cancellation.isCancelled) {
            record.finish(.cancelled)
        } else {
            record.finish(.failed, error: Self.message(for: failure!))
        }
        log("job \(id) \(record.state.rawValue)\(record.error.map { ": \($0)" } ?? "")")
        update(record, event: .state)
    }

    private static func message(for error: Error) -> String {
        if let localized = error as? LocalizedError, let text = localized.errorDescription { return text }
        return String(describing: error)
    }

    // MARK: Changes (call with the lock held)

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
