#if POSTGRES
import Foundation
import XCTest
@testable import JobStoreKit
import PruneKit
import TestHelpers

/// The contract suite on a real PostgreSQL server (scripts/with-postgres starts a throw-away one
/// and sets PRUNELAB_TEST_POSTGRES_URL), one new database per store, plus what only PostgreSQL
/// has: migrations in a shared database, errors that name the URL without its password, a server
/// restart between two calls, and LISTEN/NOTIFY.
final class PostgresWorkStoreTests: XCTestCase {
    /// A password the trust-authenticated test server ignores, to check that no message shows it.
    static let password = "not-shown-anywhere"

    private var serverURL: PostgresURL {
        get throws {
            guard let text = ProcessInfo.processInfo.environment["PRUNELAB_TEST_POSTGRES_URL"] else {
                try TestRequirement.unavailable("PRUNELAB_TEST_POSTGRES_URL (run the tests under scripts/with-postgres)")
            }
            var url = try PostgresURL(text)
            url.password = Self.password
            return url
        }
    }

    /// The databases this test made, dropped when it ends.
    private let created = LockedResults()

    /// A new, empty database on the test server.
    private func freshDatabase() throws -> PostgresURL {
        try Self.freshDatabase(on: try serverURL, noting: created)
    }

    private static func freshDatabase(on server: PostgresURL, noting created: LockedResults) throws -> PostgresURL {
        let name = "prunelab_test_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresConnections(url: server)
        defer { admin.close() }
        try admin.withConnection { try $0.execute(sql: "CREATE DATABASE \(name)") }
        created.add([name])
        return server.database(name)
    }

    override func tearDownWithError() throws {
        guard !created.keys.isEmpty, let server = try? serverURL else { return }
        let admin = try PostgresConnections(url: server)
        defer { admin.close() }
        for name in created.keys {
            // FORCE: a store of the test that is still open must not keep its database.
            try admin.withConnection { try $0.execute(sql: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        }
    }

    private var contract: WorkStoreContract {
        get throws {
            let server = try serverURL, created = self.created
            return WorkStoreContract(
                makeStore: { try PostgresWorkStore(url: try Self.freshDatabase(on: server, noting: created)) },
                reopen: { store in
                    guard let postgres = store as? PostgresWorkStore else { throw StoreTestError("not a PostgreSQL store: \(store)") }
                    return try PostgresWorkStore(url: postgres.url)
                })
        }
    }

    func testAServerThatNeverAnswersTheHandshakeIsGivenUp() throws {
        // A listening socket that never accepts: the kernel completes the TCP handshake, and the
        // PostgreSQL startup message is never answered.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && listen(listener, 4) == 0
                && getsockname(listener, $0, &length) == 0 }
        }
        XCTAssertTrue(bound)
        let connections = try PostgresConnections(url: try PostgresURL("postgres://prunelab@127.0.0.1:\(UInt16(bigEndian: address.sin_port))/db"))
        defer { connections.close() }
        connections.answerSeconds = 0.5
        XCTAssertThrowsError(try connections.withConnection { try $0.execute(sql: "SELECT 1") }) { error in
            XCTAssertTrue("\(error)".contains("cannot connect") && "\(error)".contains("no answer within 0.5 s"), "\(error)")
        }
    }

    func testAStatementLeftUnansweredGivesUpItsConnectionAndTheStoreGoesOn() throws {
        // A connection that never answers (as one left half-open by a server restart once did)
        // must let its caller go: the statement fails as a lost connection, and the next call
        // gets a new connection.
        let store = try PostgresWorkStore(url: try freshDatabase())
        defer { store.close() }
        store.connections.answerSeconds = 0.5
        XCTAssertThrowsError(try store.connections.withConnection { try $0.execute(sql: "SELECT pg_sleep(20)") }) { error in
            XCTAssertTrue("\(error)".contains("lost the connection") && "\(error)".contains("no answer within 0.5 s"), "\(error)")
        }
        store.connections.answerSeconds = 30
        XCTAssertEqual(try store.connections.withConnection { try $0.row("SELECT 1::int8 AS one")?["one"].decode(Int.self) }, 1)
        XCTAssertEqual(try store.jobs().count, 0)
    }

    func testClaimsFollowDependenciesAndPreferTheTrainer() throws { try contract.claimsFollowDependenciesAndPreferTheTrainer() }
    func testReportsRunLastAndTheJobSucceeds() throws { try contract.reportsRunLastAndTheJobSucceeds() }
    func testConcurrentClaimersNeverShareAUnit() throws { try contract.concurrentClaimersNeverShareAUnit() }
    func testAnExpiredLeaseGoesToAnotherWorkerAndItsLateWriteIsRefused() throws {
        try contract.anExpiredLeaseGoesToAnotherWorkerAndItsLateWriteIsRefused()
    }
    func testAnUnexpiredLeaseIsNotGivenAwayAndHeartbeatsKeepIt() throws { try contract.anUnexpiredLeaseIsNotGivenAwayAndHeartbeatsKeepIt() }
    func testAHeartbeatAfterExpiryTellsTheWorkerToStop() throws { try contract.aHeartbeatAfterExpiryTellsTheWorkerToStop() }
    func testReleaseHandsTheUnitBackAtOnce() throws { try contract.releaseHandsTheUnitBackAtOnce() }
    func testAUnitOutOfAttemptsFailsTheJobWithTheReasons() throws { try contract.aUnitOutOfAttemptsFailsTheJobWithTheReasons() }
    func testCancelStopsClaimsHeartbeatsAndWrites() throws { try contract.cancelStopsClaimsHeartbeatsAndWrites() }
    func testJobsRowsAndArtifactsAreKeptAndCheckedForSense() throws { try contract.jobsRowsAndArtifactsAreKeptAndCheckedForSense() }
    func testEarlierJSONRecordsAreImportedOnce() throws {
        try contract.earlierJSONRecordsAreImportedOnce(stateDirectory: try StoreFixtures.temporaryFolder(self))
    }

    func testIdempotencyKeysAreUniqueAndFindTheirJob() throws { try contract.idempotencyKeysAreUniqueAndFindTheirJob() }
    func testChangesReportEachChangedJobOnceWithProgressAndDeletes() throws {
        try contract.changesReportEachChangedJobOnceWithProgressAndDeletes()
    }
    func testALeaseExpiredInAClaimIsAChange() throws { try contract.aLeaseExpiredInAClaimIsAChange() }
    func testDeleteRemovesEverythingAndAHeldLeaseIsLost() throws { try contract.deleteRemovesEverythingAndAHeldLeaseIsLost() }
    func testExpiringADeadWorkersLeasesFreesItsUnitsAtOnce() throws { try contract.expiringADeadWorkersLeasesFreesItsUnitsAtOnce() }
    func testWaitForWorkWakesOnAnEnqueueElsewhereAndOtherwiseTimesOut() throws {
        try contract.waitForWorkWakesOnAnEnqueueElsewhereAndOtherwiseTimesOut()
    }

    // MARK: - PostgreSQL only

    func testAnEmptyDatabaseIsMigratedOnceAndANewerOneIsRefused() throws {
        let url = try freshDatabase()
        let store = try PostgresWorkStore(url: url)
        XCTAssertEqual(try store.appliedMigrations(), PostgresWorkStore.knownMigrations)
        let tables = try store.connections.withConnection { db in
            try db.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").map { try $0["tablename"].decode(String.self) }
        }
        for table in ["artifacts", "jobs", "result_rows", "unit_attempts", "unit_dependencies", "units", "store_meta", "prunelab_migrations"] {
            XCTAssertTrue(tables.contains(table), "\(table) missing from \(tables)")
        }
        let job = NewJob(spec: try StoreFixtures.smallSpec())
        try store.enqueue(job, plan: SweepPlan(spec: job.spec), maxAttempts: 2)
        let reopened = try PostgresWorkStore(url: url)
        XCTAssertEqual(try reopened.job(job.id)?.maxAttempts, 2, "a second open keeps the data and migrates nothing")
        XCTAssertEqual(try reopened.appliedMigrations(), PostgresWorkStore.knownMigrations)

        try store.connections.transaction { db in
            try db.execute(sql: "INSERT INTO prunelab_migrations (identifier, applied_at) VALUES ('v9-from-the-future', 0)")
        }
        XCTAssertThrowsError(try PostgresWorkStore(url: url)) { error in
            XCTAssertEqual(error as? WorkStoreError, .schemaTooNew(applied: ["v9-from-the-future"]))
        }
    }

    func testBadURLsAndAnUnreachableServerAreClearErrorsWithoutThePassword() throws {
        for (text, part) in [("http://u@h/db", "not a postgres:// URL"), ("postgres://h/db", "no user"),
                             ("postgres://u:secret@h/", "one database name"), ("postgres://u:secret@h/db?sslmode=maybe", "sslmode"),
                             ("postgres://u:secret@h/db?pool=3", "unknown parameter pool")] {
            XCTAssertThrowsError(try PostgresWorkStore(url: text)) { error in
                XCTAssertTrue("\(error)".contains(part), "\(text): \(error)")
                XCTAssertFalse("\(error)".contains("secret"), "\(error)")
            }
        }
        let closedPort = try Self.freePort()
        let url = "postgres://prunelab:\(Self.password)@127.0.0.1:\(closedPort)/prunelab"
        XCTAssertThrowsError(try PostgresWorkStore(url: url)) { error in
            guard case PostgresStoreError.unreachable = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("postgres://prunelab@127.0.0.1:\(closedPort)/prunelab"), "\(error)")
            XCTAssertFalse("\(error)".contains(Self.password), "\(error)")
        }
        // A database that is not there: the server's own reason, with the URL.
        var missing = try serverURL
        missing.database = "no_such_database"
        XCTAssertThrowsError(try PostgresWorkStore(url: missing)) { error in
            XCTAssertTrue("\(error)".contains("no_such_database") && "\(error)".contains("does not exist"), "\(error)")
            XCTAssertFalse("\(error)".contains(Self.password), "\(error)")
        }
    }

    /// The "the database is restarted mid-sweep, and the job completes", at store level:
    /// a lease taken before a restart is still held after it, the first call after it reconnects,
    /// calls while the server is down fail with the URL, and the job finishes.
    func testAServerRestartMidSweepLeavesTheStoreUsableAndTheJobCompletes() throws {
        let store = try PostgresWorkStore(url: try freshDatabase())
        let job = NewJob(spec: try StoreFixtures.smallSpec(repeats: 1))
        let plan = SweepPlan(spec: job.spec)
        try store.enqueue(job, plan: plan, maxAttempts: 1)
        let a = StoreFixtures.worker("a")
        let training = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 120))
        try store.complete(training)
        let line = try XCTUnwrap(try store.claim(worker: a, leaseSeconds: 120))

        try Self.pgCtl("restart -m fast")
        guard case .held = try store.heartbeat(line, leaseSeconds: 120) else { return XCTFail("the lease did not survive the restart") }
        XCTAssertEqual(try store.record(StoreFixtures.rows(of: line.unitKey, in: plan, worker: a), under: line),
                       plan.unit(line.unitKey)?.points.count)

        try Self.pgCtl("stop -m fast")
        XCTAssertThrowsError(try store.complete(line)) { error in
            XCTAssertTrue("\(error)".contains(store.url.redacted), "\(error)")
            XCTAssertFalse("\(error)".contains(Self.password), "\(error)")
        }
        try Self.pgCtl("start")
        try store.complete(line)
        _ = try StoreFixtures.drain(store, jobID: job.id, plan: plan, worker: a)
        XCTAssertEqual(try store.job(job.id)?.state, .succeeded)
        XCTAssertEqual(try store.rows(of: job.id).count, plan.lines.flatMap(\.points).count)
        XCTAssertTrue(try store.units(of: job.id).allSatisfy { $0.attempts == 1 }, "no attempt was lost to the restart")
    }

    /// Both ways a waiting worker learns of new work: a NOTIFY, and with no LISTEN at all (a pooler
    /// that drops it), the poll of the work sequence.
    func testNewWorkWakesAWaitingWorkerWithAndWithoutListen() throws {
        for listens in [true, false] {
            try newWorkWakesAWaitingWorker(listens: listens)
        }
    }

    private func newWorkWakesAWaitingWorker(listens: Bool) throws {
        let url = try freshDatabase()
        let idle = try PostgresWorkStore(url: url, listensForWork: listens)
        XCTAssertNil(try idle.claim(worker: StoreFixtures.worker("idle"), leaseSeconds: 30))
        let front = try PostgresWorkStore(url: url)
        let job = NewJob(spec: try StoreFixtures.smallSpec(repeats: 1))
        let woken = LockedResults()
        let waiter = Thread {
            let start = Date()
            do {
                try idle.waitForWork(timeout: 60)
                // Woken by the enqueue, not by the end of the wait.
                if Date().timeIntervalSince(start) < 30 { woken.add(["woken"]) } else { woken.fail("timed out") }
            } catch {
                woken.fail("\(error)")
            }
        }
        waiter.start()
        usleep(300_000)  // orders the enqueue after the wait began
        try front.enqueue(job, plan: SweepPlan(spec: job.spec), maxAttempts: 1)
        let deadline = Date().addingTimeInterval(30)
        while woken.keys.isEmpty && woken.errors.isEmpty && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(woken.keys, ["woken"], "listening: \(listens)")
        XCTAssertEqual(woken.errors, [])
        XCTAssertEqual(try idle.claim(worker: StoreFixtures.worker("idle"), leaseSeconds: 30)?.unitKey, "train/r0")
    }

    // MARK: - Helpers

    /// Runs the test cluster's pg_ctl (PRUNELAB_TEST_POSTGRES_CTL, from scripts/with-postgres) with `arguments`.
    static func pgCtl(_ arguments: String) throws {
        guard let ctl = ProcessInfo.processInfo.environment["PRUNELAB_TEST_POSTGRES_CTL"] else {
            try TestRequirement.unavailable("PRUNELAB_TEST_POSTGRES_CTL (run the tests under scripts/with-postgres)")
        }
        // posix_spawn and waitpid, not Process: the server pg_ctl starts keeps Foundation's
        // exit-notification descriptor open, and waitUntilExit would wait for the server.
        let command = "\(ctl) \(arguments) </dev/null >/dev/null 2>&1"
        let words: [String] = ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else { throw StoreTestError("could not start pg_ctl") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw StoreTestError("pg_ctl \(arguments) failed (wait status \(status))") }
    }

    /// A loopback port nothing listens on (bound, then closed).
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw StoreTestError("could not bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
#endif
