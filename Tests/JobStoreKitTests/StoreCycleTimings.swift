import Foundation
import XCTest
import JobStoreKit
import PruneKit

/// Drains a job with one worker through claim, record, heartbeat with progress and complete,
/// checking that every unit ran. With PRUNELAB_STORE_TIMINGS set it also prints what a unit's
/// cycle costs, three rounds per store (PostgreSQL too in a Postgres build under
/// scripts/with-postgres), for the README; the figures are printed, never checked.
final class StoreCycleTimings: XCTestCase {
    func testOneWorkerDrainsAJobAndTheCostOfAUnitsStoreCycleIsPrinted() throws {
        let environment = ProcessInfo.processInfo.environment
        let printing = environment["PRUNELAB_STORE_TIMINGS"] != nil
        let folder = try StoreFixtures.temporaryFolder(self)
        var stores: [(String, any WorkStore)] = [("sqlite", try SQLiteWorkStore(path: folder.appendingPathComponent("timings.db").path))]
        #if POSTGRES
        if printing, let url = environment["PRUNELAB_TEST_POSTGRES_URL"] {
            stores.append(("postgres", try PostgresWorkStore(url: url)))
        }
        #endif
        for (name, store) in stores {
            for round in 1...(printing ? 3 : 1) {
                let (claim, cycle, units) = try Self.measure(store)
                guard printing else { continue }
                print(String(format: "store-cycle %@ round %d: %d units, claim %.2f ms, claim+record+heartbeat(progress)+complete %.2f ms per unit",
                             name, round, units, claim * 1000, cycle * 1000))
            }
        }
    }

    /// One job drained by one worker: seconds per claim and per whole cycle.
    static func measure(_ store: any WorkStore) throws -> (claim: Double, cycle: Double, units: Int) {
        let job = NewJob(spec: try StoreFixtures.smallSpec(repeats: 4, sparsities: Array(stride(from: 0, to: 100, by: 10))))
        let plan = SweepPlan(spec: job.spec)
        try store.enqueue(job, plan: plan, maxAttempts: 1)
        let worker = StoreFixtures.worker("timer")
        var claiming = 0.0, units = 0
        let start = DispatchTime.now().uptimeNanoseconds
        while true {
            let before = DispatchTime.now().uptimeNanoseconds
            guard let lease = try store.claim(worker: worker, leaseSeconds: 30) else { break }
            claiming += Double(DispatchTime.now().uptimeNanoseconds - before) / 1e9
            try store.record(StoreFixtures.rows(of: lease.unitKey, in: plan, worker: worker), under: lease)
            _ = try store.heartbeat(lease, leaseSeconds: 30, progressJSON: #"{"unit":"\#(lease.unitKey)"}"#)
            try store.complete(lease)
            units += 1
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard units == plan.units.count, try store.job(job.id)?.state == .succeeded else {
            throw StoreTestError("the timing loop did \(units) of \(plan.units.count) units")
        }
        return (claiming / Double(units), total / Double(units), units)
    }
}
