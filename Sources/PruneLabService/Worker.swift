import Foundation
import JobStoreKit
import PruneKit

/// One worker: claims work units from the store, runs each in `ARTIFACTS/<job>/`, and records
/// its rows under the unit's lease. `prunelab worker` runs one in its own process, and
/// `prunelab serve --workers N` starts N such processes: one code path for one machine and many.
///
/// While a unit runs, a heartbeat renews its lease and carries its progress. The unit stops
/// when the heartbeat finds the lease gone (another worker took it over: nothing more is
/// written) or the job cancelled, or when the worker is told to stop (the lease is handed back
/// at once, so another worker need not wait for it to expire).
public final class Worker: @unchecked Sendable {
    public struct Settings: Sendable {
        public var identity: WorkerIdentity
        /// Artifacts of job `id` are in `artifactsRoot/id/`, a folder every worker reaches.
        public var artifactsRoot: URL
        /// How long a claim or heartbeat holds a unit.
        public var leaseSeconds: Double = 30
        /// How often the lease is renewed while a unit runs (well under `leaseSeconds`).
        public var heartbeatSeconds: Double = 5
        /// The longest wait for new work before the store is asked again (and a stop is noticed).
        public var idleWaitSeconds: Double = 0.5
        public var log: @Sendable (String) -> Void = { print($0) }
        /// Sees every progress a unit reports (the crash hook of the tests).
        public var progressObserver: (@Sendable (SweepProgress) -> Void)?

        public init(identity: WorkerIdentity, artifactsRoot: URL) {
            self.identity = identity
            self.artifactsRoot = artifactsRoot
        }
    }

    /// How a unit's attempt ended, from the worker's side.
    enum UnitEnd: Equatable {
        case done
        /// The attempt failed; the store retries the unit or fails the job.
        case failed(String)
        /// The worker is stopping: the unit goes back at once, its attempt not spent.
        case handedBack
        /// The lease was lost or the job cancelled or deleted: nothing more to say to the store.
        case abandoned(String)
    }

    public let store: any WorkStore
    public let settings: Settings
    private let stopFlag = CancellationFlag()
    private let lock = NSLock()
    private var current: CancellationFlag?

    public init(store: any WorkStore, settings: Settings) {
        self.store = store
        self.settings = settings
    }

    /// Asks the worker to stop: the running unit stops at its next batch and is handed back; no
    /// new unit is claimed. Safe from any thread (a signal handler's watcher).
    public func stop() {
        stopFlag.cancel()
        lock.withLock { current }?.cancel()
    }

    public var isStopping: Bool { stopFlag.isCancelled }

    /// Claims and runs units until `stop()`, or, with `untilIdle`, until none is claimable.
    /// Returns how many units it finished.
    @discardableResult
    public func run(untilIdle: Bool = false) -> Int {
        var finished = 0
        while !stopFlag.isCancelled {
            let lease: Lease?
            do {
                lease = try store.claim(worker: settings.identity, leaseSeconds: settings.leaseSeconds)
            } catch {
                settings.log("worker \(settings.identity.id): cannot claim work: \(ErrorText.message(for: error)); trying again")
                Thread.sleep(forTimeInterval: min(settings.idleWaitSeconds, 1))
                continue
            }
            guard let lease else {
                if untilIdle { break }
                try? store.waitForWork(timeout: settings.idleWaitSeconds)
                continue
            }
            if runUnit(lease) == .done { finished += 1 }
        }
        return finished
    }

    /// Runs the leased unit to its end and tells the store how it ended.
    @discardableResult
    func runUnit(_ lease: Lease) -> UnitEnd {
        let cancellation = CancellationFlag()
        lock.withLock { current = cancellation }
        if stopFlag.isCancelled { cancellation.cancel() }
        let heartbeat = Heartbeat(store: store, lease: lease, settings: settings, cancellation: cancellation)
        heartbeat.start()
        var end: UnitEnd
        do {
            try execute(lease, cancellation: cancellation, heartbeat: heartbeat)
            end = .done
        } catch let error as WorkStoreError {
            if case .leaseLost(_, _, _, let reason) = error { end = .abandoned(reason) } else { end = .failed(error.description) }
        } catch is SweepCancelled {
            end = stopFlag.isCancelled ? .handedBack : .abandoned("stopped")
        } catch {
            end = .failed(ErrorText.message(for: error))
        }
        heartbeat.stop()
        lock.withLock { current = nil }
        if let lost = heartbeat.lostReason { end = .abandoned(lost) }
        else if heartbeat.jobCancelled, end != .done { end = .abandoned("the job was cancelled") }
        else if stopFlag.isCancelled, end != .done { end = .handedBack }
        report(end, of: lease, heartbeatSawCancel: heartbeat.jobCancelled)
        return end
    }

    private func report(_ end: UnitEnd, of lease: Lease, heartbeatSawCancel: Bool) {
        let unit = "unit \(lease.unitKey) of job \(lease.jobID) (attempt \(lease.attempt))"
        do {
            switch end {
            case .done:
                try store.complete(lease)
                settings.log("worker \(settings.identity.id): \(unit) done")
            case .failed(let reason):
                try store.fail(lease, reason: reason)
                settings.log("worker \(settings.identity.id): \(unit) failed: \(reason)")
            case .handedBack:
                try store.release(lease)
                settings.log("worker \(settings.identity.id): \(unit) handed back (stopping)")
            case .abandoned(let reason):
                settings.log("worker \(settings.identity.id): \(unit) stopped: \(reason)")
                // A cancelled job's store still knows the lease: closing the attempt says when the worker let go.
                if heartbeatSawCancel { try? store.release(lease) }
            }
        } catch {
            // A lease lost in the meantime: the store has already given the unit to another worker.
            settings.log("worker \(settings.identity.id): \(unit): \(ErrorText.message(for: error))")
        }
    }

    /// What the unit does: training and lines measure and record rows; the reports unit draws
    /// the job's files from every recorded row and records their metadata.
    private func execute(_ lease: Lease, cancellation: CancellationFlag, heartbeat: Heartbeat) throws {
        guard let job = try store.job(lease.jobID) else {
            throw WorkStoreError.leaseLost(jobID: lease.jobID, unitKey: lease.unitKey, fencingToken: lease.fencingToken,
                                           reason: "the job was deleted")
        }
        let spec = try job.spec()
        guard let unit = SweepPlan(spec: spec).unit(lease.unitKey) else {
            throw SweepReportedError("job \(job.id) has no unit \(lease.unitKey) in this version's plan of its spec")
        }
        let folder = settings.artifactsRoot.appendingPathComponent(job.id, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw SweepReportedError("cannot create the job's folder \(folder.path): \(ErrorText.message(for: error))")
        }
        let runner = WorkUnitRunner(spec: spec, jobFolder: folder)
        switch unit.kind {
        case .training, .line:
            let store = self.store
            let live = LiveResults(store: store, runner: runner, jobID: job.id, log: settings.log)
            let rows = try runner.run(unit, cancellation: cancellation, progress: { progress in
                self.settings.progressObserver?(progress)
                heartbeat.progress = progress
            }) { row in
                try store.record([RowWrite(row)], under: lease)
                live.update()
            }
            // Rows resumed from an earlier attempt's folder were not seen one by one; a row already recorded is skipped.
            try store.record(rows.map(RowWrite.init), under: lease)
            if !rows.isEmpty { live.update(force: true) }
        case .reports:
            heartbeat.progress = SweepProgress(phase: .reporting, fraction: 0)
            let rows = try ResultsCSV.decode(lines: store.rows(of: job.id).map(\.csvRow))
            let artifacts = try runner.drawReports(rows: rows)
            for name in artifacts {
                let data = try Data(contentsOf: folder.appendingPathComponent(name))
                try store.putArtifact(ArtifactRecord(jobID: job.id, name: name, bytes: data.count, sha256: SHA256.hex(data)))
            }
        }
        if cancellation.isCancelled { throw SweepCancelled() }
    }
}

/// Keeps the job's results.csv showing the rows recorded so far while its lines run (at most once
/// a second per worker, and at a unit's end), so the page's charts grow point by point. Only
/// what the store recorded is written, and a failure to write is logged, never the unit's.
final class LiveResults {
    let store: any WorkStore
    let runner: WorkUnitRunner
    let jobID: String
    let log: @Sendable (String) -> Void
    private var lastWrite = Date.distantPast

    init(store: any WorkStore, runner: WorkUnitRunner, jobID: String, log: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.runner = runner
        self.jobID = jobID
        self.log = log
    }

    func update(force: Bool = false) {
        guard force || Date().timeIntervalSince(lastWrite) >= 1 else { return }
        lastWrite = Date()
        do {
            try runner.writeMeasuredRows(ResultsCSV.decode(lines: store.rows(of: jobID).map(\.csvRow)))
        } catch {
            log("warning: cannot update results.csv of job \(jobID) as rows come in: \(ErrorText.message(for: error))")
        }
    }
}

extension RowWrite {
    /// The store's row of a measured point.
    init(_ row: ResultRow) {
        self.init(pointKey: row.point.storeKey, csvRow: ResultsCSV.line(row),
                  host: row.host ?? MachineIdentity.current.host, cpu: row.cpu ?? MachineIdentity.current.cpu)
    }
}

/// Renews a unit's lease every `heartbeatSeconds` on its own thread, carrying the unit's latest
/// progress; sets the unit's cancellation when the lease is lost or the job cancelled.
final class Heartbeat: @unchecked Sendable {
    private let store: any WorkStore
    private let lease: Lease
    private let settings: Worker.Settings
    private let cancellation: CancellationFlag
    private let condition = NSCondition()
    private var stopped = false
    private var latest: SweepProgress?
    private var lost: String?
    private var cancelled = false
    private let done = DispatchSemaphore(value: 0)

    init(store: any WorkStore, lease: Lease, settings: Worker.Settings, cancellation: CancellationFlag) {
        self.store = store
        self.lease = lease
        self.settings = settings
        self.cancellation = cancellation
    }

    /// The unit's latest progress, sent with the next heartbeat.
    var progress: SweepProgress? {
        get { condition.withLock { latest } }
        set { condition.withLock { latest = newValue } }
    }

    /// Why the lease was lost, if it was.
    var lostReason: String? { condition.withLock { lost } }
    var jobCancelled: Bool { condition.withLock { cancelled } }

    func start() {
        Thread.detachNewThread { [self] in
            beat()
            done.signal()
        }
    }

    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
        done.wait()
    }

    /// Renews the lease every `heartbeatSeconds`, and sooner (at most once a second) when the
    /// unit's progress moved, so front ends show it without waiting for a full heartbeat.
    private func beat() {
        condition.lock()
        defer { condition.unlock() }
        var renewed = Date()
        var sent: SweepProgress?
        let tick = min(settings.heartbeatSeconds, 1)
        while !stopped {
            _ = condition.wait(until: Date(timeIntervalSinceNow: tick))
            if stopped { return }
            let due = Date().timeIntervalSince(renewed) >= settings.heartbeatSeconds - 0.001
            guard due || latest != sent else { continue }
            sent = latest
            renewed = Date()
            let progressJSON = latest.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
            condition.unlock()
            let status: LeaseStatus?
            do {
                status = try store.heartbeat(lease, leaseSeconds: settings.leaseSeconds, progressJSON: progressJSON)
            } catch {
                // The store is unreachable: keep working, the lease may still be ours; the next beat tries again.
                settings.log("worker \(settings.identity.id): heartbeat of unit \(lease.unitKey) failed: \(ErrorText.message(for: error))")
                status = nil
            }
            condition.lock()
            switch status {
            case .lost(let reason)?:
                lost = reason
                cancellation.cancel()
                return
            case .cancelled?:
                cancelled = true
                cancellation.cancel()
                return
            case .held?, nil:
                continue
            }
        }
    }
}
