import XCTest
@testable import PruneKit

/// Files written whole or not at all, and their folder flushed.
final class AtomicFileTests: XCTestCase {
    func testAtomicWriteReplacesTheFileAndLeavesNoTemporaries() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("results.csv")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["results.csv"])
    }

    func testAFolderIsFlushedAndAMissingOneNamed() throws {
        let folder = try makeTemporaryFolder(self)
        XCTAssertNoThrow(try AtomicFile.syncDirectory(folder))
        XCTAssertThrowsError(try AtomicFile.syncDirectory(folder.appendingPathComponent("gone"))) { error in
            XCTAssertTrue(error.localizedDescription.contains("/gone"), "\(error)")
        }
    }

    func testAtomicWriteIntoAMissingFolderFailsAndNamesIt() throws {
        let folder = try makeTemporaryFolder(self).appendingPathComponent("missing")
        XCTAssertThrowsError(try AtomicFile.write("x", to: folder.appendingPathComponent("a.csv"))) { error in
            XCTAssertTrue("\(error.localizedDescription)".contains("/missing/"), "\(error)")
        }
    }
}
