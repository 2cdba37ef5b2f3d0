import Foundation
import XCTest
@testable import JobStoreKit
import PruneKit
import TestHelpers

/// `openWorkStore`, the one way the executable turns `--store` into a store.
final class OpenWorkStoreTests: XCTestCase {
    func testARelativeSQLiteLocationIsOpenedUnderTheBaseWithItsFolderCreated() throws {
        let base = try StoreFixtures.temporaryFolder(self)
        let store = try openWorkStore("sqlite:state/deeper/prunelab.db", relativeTo: base)
        let sqlite = try XCTUnwrap(store as? SQLiteWorkStore)
        XCTAssertEqual(sqlite.path, base.appendingPathComponent("state/deeper/prunelab.db").standardizedFileURL.path)
        let job = NewJob(spec: try StoreFixtures.smallSpec(repeats: 1))
        try store.enqueue(job, plan: SweepPlan(spec: job.spec), maxAttempts: 1)
        let again = try openWorkStore("sqlite:\(sqlite.path)")
        XCTAssertEqual(try again.job(job.id)?.id, job.id, "an absolute path names the same file")
    }

    func testBadLocationsNameTheLocationAndTheAcceptedForms() throws {
        for (location, part) in [("mysql://u@h/db", "unknown kind of store"), ("state/prunelab.db", "unknown kind of store"),
                                 ("", "unknown kind of store"), ("sqlite:", "names no file"), ("sqlite://x.db", "without //"),
                                 ("redis://u:secret@h/0", "redis://u@h/0")] {
            XCTAssertThrowsError(try openWorkStore(location)) { error in
                guard case WorkStoreLocationError.unrecognized = error else { return XCTFail("\(location): \(error)") }
                let text = "\(error)"
                XCTAssertTrue(text.contains(part), "\(location): \(text)")
                XCTAssertTrue(text.contains("sqlite:PATH") && text.contains("postgres://"), text)
                XCTAssertFalse(text.contains("secret"), text)
            }
        }
    }

    func testAnSQLiteFileThatCannotBeCreatedIsAClearError() throws {
        let base = try StoreFixtures.temporaryFolder(self)
        try Data("a file, not a folder".utf8).write(to: base.appendingPathComponent("plain"))
        XCTAssertThrowsError(try openWorkStore("sqlite:plain/prunelab.db", relativeTo: base)) { error in
            guard case WorkStoreLocationError.cannotOpen = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("sqlite:plain/prunelab.db"), "\(error)")
        }
    }

    /// In a build without the Postgres trait (and here in either build, told so), a postgres:// location says how to get one.
    func testAPostgresLocationWithoutPostgreSQLSaysHowToBuildIt() throws {
        XCTAssertThrowsError(try openWorkStore("postgres://prunelab:secret@db:5432/prunelab", relativeTo: nil, postgresBuilt: false)) { error in
            XCTAssertEqual(error as? WorkStoreLocationError, .postgresNotBuilt("postgres://prunelab@db:5432/prunelab"))
            XCTAssertTrue("\(error)".contains("--traits Postgres"), "\(error)")
            XCTAssertFalse("\(error)".contains("secret"), "\(error)")
        }
        #if !POSTGRES
        XCTAssertThrowsError(try openWorkStore("postgresql://prunelab@db/prunelab")) { error in
            XCTAssertEqual(error as? WorkStoreLocationError, .postgresNotBuilt("postgresql://prunelab@db/prunelab"))
        }
        #endif
    }

    #if POSTGRES
    func testAPostgresLocationOpensThePostgreSQLStore() throws {
        guard let url = ProcessInfo.processInfo.environment["PRUNELAB_TEST_POSTGRES_URL"] else {
            try TestRequirement.unavailable("PRUNELAB_TEST_POSTGRES_URL (run the tests under scripts/with-postgres)")
        }
        let store = try openWorkStore(url)
        XCTAssertEqual((store as? PostgresWorkStore)?.url, try PostgresURL(url))
        XCTAssertThrowsError(try openWorkStore("postgres://u:secret@h/")) { error in
            XCTAssertTrue("\(error)".contains("one database name"), "\(error)")
            XCTAssertFalse("\(error)".contains("secret"), "\(error)")
        }
    }
    #endif
}
