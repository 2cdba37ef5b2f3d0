import Foundation
import XCTest
import JobStoreKit
import PruneKit

/// Small specs, workers and loops the store tests share.
enum StoreFixtures {
    /// Two repeats, two methods, two one-shot sparsities: 2 trainings, 8 lines, the reports.
    static func smallSpec(name: String = "contract", repeats: Int = 2, sparsities: [Int] = [0, 50]) throws -> SweepSpec {
        let json = """
            {"name": "\(name)", "dataset": {"name": "synthetic", "train_size": 40, "test_size": 20, "features": 4, "classes": 2},
             "model": {"hidden": [3]}, "training": {"epochs": 1},
             "pruning": {"methods": ["weight", "unit"], "sparsities": \(sparsities)}, "repeats": \(repeats)}
            """
        return try SweepSpec.parse(Data(json.utf8))
    }

    static func worker(_ id: String, host: String = "host-a") -> WorkerIdentity { WorkerIdentity(id: id, host: host) }

    /// A fresh folder under /tmp, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prunelab-store-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// The rows a unit of `plan` measures, as a worker would write them.
    static func rows(of key: String, in plan: SweepPlan, worker: WorkerIdentity) -> [RowWrite] {
        (plan.unit(key)?.points ?? []).map { point in
            RowWrite(pointKey: point.storeKey, csvRow: "\(point.storeKey),\(worker.id)", host: worker.host, cpu: "test-cpu")
        }
    }

    /// Claims, records and completes units of `jobID` until the job is finished; the keys it did.
    static func drain(_ store: any WorkStore, jobID: String, plan: SweepPlan, worker: WorkerIdentity,
                      leaseSeconds: Double = 30, deadline: Date = Date().addingTimeInterval(120)) throws -> [String] {
        var done: [String] = []
        while Date() < deadline {
            if let lease = try store.claim(worker: worker, leaseSeconds: leaseSeconds) {
                try store.record(rows(of: lease.unitKey, in: plan, worker: worker), under: lease)
                try store.complete(lease)
                done.append(lease.unitKey)
            } else if try store.job(jobID)?.state.isFinished ?? true {
                return done
            } else {
                usleep(1_000)  // another worker holds what comes next
            }
        }
        throw StoreTestError("job \(jobID) did not finish before the deadline; this worker did \(done)")
    }

    /// Claims until a lease comes back (another worker's lease has to expire first).
    static func claimWhenFree(_ store: any WorkStore, worker: WorkerIdentity, leaseSeconds: Double = 30) throws -> Lease {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let lease = try store.claim(worker: worker, leaseSeconds: leaseSeconds) { return lease }
            usleep(10_000)
        }
        throw StoreTestError("no unit became claimable for \(worker.id)")
    }
}

struct StoreTestError: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}
