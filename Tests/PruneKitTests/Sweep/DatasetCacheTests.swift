import Foundation
import XCTest
@testable import PruneKit

/// A worker's units of one job read their data once: the same spec and unchanged files give the
/// kept dataset; other data, or a file rewritten in between, is read again.
final class DatasetCacheTests: XCTestCase {
    private func writeCSV(_ rows: [(Int, Float)], to url: URL) throws {
        try Data(("label,x\n" + rows.map { "\($0.0),\($0.1)" }.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    func testTheSameDataIsReadOnceAndChangedOrOtherDataAgain() throws {
        let folder = try makeTemporaryFolder(self)
        let train = folder.appendingPathComponent("train.csv"), test = folder.appendingPathComponent("test.csv")
        try writeCSV([(0, 1), (1, 2), (0, 3)], to: train)
        try writeCSV([(1, 4)], to: test)
        let csv = DatasetSpec(name: .csv, train: train.path, test: test.path)
        let cache = DatasetCache()

        let first = try cache.dataset(for: csv)
        XCTAssertEqual(first.train.count, 3)
        _ = try cache.dataset(for: csv)
        XCTAssertEqual(cache.loads, 1, "the same spec and files: kept")

        // Rewritten with another size: read again, and what it holds now is what is returned.
        try writeCSV([(0, 1), (1, 2), (0, 3), (1, 5)], to: train)
        XCTAssertEqual(try cache.dataset(for: csv).train.count, 4)
        XCTAssertEqual(cache.loads, 2)

        // Other data replaces it (one dataset at most); coming back reads the files again.
        let synthetic = DatasetSpec(name: .synthetic, trainSize: 32, testSize: 8, features: 4, classes: 2, seed: 1)
        XCTAssertEqual(try cache.dataset(for: synthetic).train.count, 32)
        _ = try cache.dataset(for: csv)
        XCTAssertEqual(cache.loads, 4)

        // A file that disappears is an error, as a first load would give, not the kept copy.
        try FileManager.default.removeItem(at: test)
        XCTAssertThrowsError(try cache.dataset(for: csv))
    }
}
