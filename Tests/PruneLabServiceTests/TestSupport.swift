import Foundation
import PruneKit
import XCTest
import JobStoreKit
@testable import PruneLabService

/// Small synthetic sweeps that finish in well under a second in a debug build.
enum TestSpecs {
    /// 2 points: weight pruning at 0 and 50 %, one epoch of a 16-16-4 net on 256 samples.
    static func tiny(name: String = "tiny", seed: Int = 0) -> SweepSpec {
        SweepSpec(name: name,
                  dataset: DatasetSpec(name: .synthetic, trainSize: 256, testSize: 64, features: 16, classes: 4, seed: 1),
                  model: ModelSpec(hidden: [16]),
                  training: TrainingSpec(epochs: 1, batchSize: 32, seed: seed),
                  pruning: PruningSpec(methods: [.weight], sparsities: [0, 50]))
    }

    /// Long enough to be caught running: `epochs` of training, then `sparsities` weight-pruning
    /// points that each fine-tune for `finetuneEpochs` (fine-tuning checks cancellation too).
    static func slow(epochs: Int = 50, sparsities: [Double] = [0, 50], finetuneEpochs: Int = 0) -> SweepSpec {
        SweepSpec(name: "slow",
                  dataset: DatasetSpec(name: .synthetic, trainSize: 2048, testSize: 256, features: 64, classes: 4, seed: 2),
                  model: ModelSpec(hidden: [128, 128]),
                  training: TrainingSpec(epochs: epochs, batchSize: 16),
                  pruning: PruningSpec(methods: [.weight], sparsities: sparsities, finetuneEpochs: finetuneEpochs))
    }

    /// The JSON a client would POST for `tiny()`.
    static let tinyJSON = #"""
    {"name": "tiny", "dataset": {"name": "synthetic", "train_size": 256, "test_size": 64, "features": 16, "classes": 4, "seed": 1},
     "model": {"hidden": [16]}, "training": {"epochs": 1, "batch_size": 32},
     "pruning": {"methods": ["weight"], "sparsities": [0, 50]}}
    """#
}

/// A fresh folder under the system's temporary directory, removed by `tearDown`.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("prunelab-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func waitUntil(timeout: TimeInterval = 30, _ what: String, file: StaticString = #filePath, line: UInt = #line,
               _ condition: () throws -> Bool) rethrows {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.02)
    }
    XCTFail("timed out after \(timeout) s waiting for \(what)", file: file, line: line)
}

/// A front end and its workers on one SQLite store in a test folder, as `prunelab serve` has
/// them: workers on threads by default (sweeps of milliseconds), or real `prunelab worker`
/// processes. Short leases and heartbeats, so that takeovers happen within a test.
final class TestJobs {
    let folder: URL
    let store: any WorkStore
    let jobs: JobManager
    let pool: WorkerPool

    static func storeLocation(in folder: URL) -> String { "sqlite:" + folder.appendingPathComponent("state/prunelab.db").path }

    init(in folder: URL, workers: Int = 1, processes: Bool = false, environment: [String: String] = [:],
         limits: JobLimits = JobLimits(), leaseSeconds: Double = 4, heartbeatSeconds: Double = 0.25,
         log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("state"), withIntermediateDirectories: true)
        let location = Self.storeLocation(in: folder)
        store = try openWorkStore(location)
        let artifacts = folder.appendingPathComponent("public/jobs", isDirectory: true)
        jobs = try JobManager(store: store, artifactsRoot: artifacts, workers: workers, limits: limits, refreshInterval: 0.05, log: log)
        var configuration = WorkerPool.Configuration(
            count: workers,
            launch: processes ? .processes(executable: Self.prunelabExecutable, environment: ["SWIFT_BACKTRACE": "enable=no"].merging(environment) { $1 })
                              : .threads,
            storeLocation: location, artifactsRoot: artifacts)
        configuration.leaseSeconds = leaseSeconds
        configuration.heartbeatSeconds = heartbeatSeconds
        configuration.memoryLimitBytes = limits.maxJobMemoryBytes
        configuration.log = log
        pool = WorkerPool(configuration: configuration, store: store)
    }

    func start() {
        jobs.start()
        pool.start()
    }

    func shutdown() {
        pool.shutdown(grace: 5)
        jobs.shutdown()
    }

    var artifactsRoot: URL { jobs.artifactsRoot }
    func submit(_ spec: SweepSpec, idempotencyKey: String? = nil) throws -> JobManager.Submission {
        try jobs.submit(spec, idempotencyKey: idempotencyKey)
    }
    func job(_ id: String) -> JobRecord? { jobs.job(id) }
    func cancel(_ id: String) throws -> JobManager.Cancellation { try jobs.cancel(id) }

    func waitForState(_ id: String, _ states: Set<JobState>, timeout: TimeInterval = 60,
                      file: StaticString = #filePath, line: UInt = #line) {
        waitUntil(timeout: timeout, "job \(id) to reach \(states.map(\.rawValue).sorted())", file: file, line: line) {
            jobs.job(id).map { states.contains($0.state) } ?? false
        }
    }

    /// The rows the store recorded for a job.
    func rows(of id: String) throws -> [StoredRow] { try store.rows(of: id) }

    /// `.build/<triple>/debug/prunelab`: the test bundle is `.build/<triple>/debug/PruneLabPackageTests.xctest`.
    static var prunelabExecutable: URL {
        var folder = PruneLabService.currentExecutable.deletingLastPathComponent()
        while !folder.path.hasSuffix(".xctest") && folder.path != "/" && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("prunelab").path) {
            folder.deleteLastPathComponent()
        }
        if folder.path.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("prunelab")
    }
}

extension JobManager.Submission {
    var record: JobRecord {
        switch self {
        case .created(let r), .replayed(let r), .keyReused(let r): return r
        case .queueFull(let queued, let limit): preconditionFailure("the queue is full (\(queued) of \(limit)); tests submit within the limit")
        }
    }
}
