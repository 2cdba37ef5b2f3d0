import Foundation
import PruneKit
import XCTest
@testable import PruneLabService

final class JobStoreTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    func testSaveThenLoadOldestFirst() throws {
        let store = try JobStore(stateDirectory: folder.url)
        let older = JobRecord(spec: TestSpecs.tiny(name: "a"), createdAt: Date(timeIntervalSince1970: 100))
        let newer = JobRecord(spec: TestSpecs.tiny(name: "b"), createdAt: Date(timeIntervalSince1970: 200))
        try store.save(newer)
        try store.save(older)
        let (records, damaged) = store.loadAll()
        XCTAssertEqual(records.map(\.id), [older.id, newer.id])
        XCTAssertTrue(damaged.isEmpty)
    }

    func testSaveReplacesAndLeavesNoTemporaryFiles() throws {
        let store = try JobStore(stateDirectory: folder.url)
        var record = JobRecord(spec: TestSpecs.tiny())
        try store.save(record)
        record.start()
        try store.save(record)
        XCTAssertEqual(store.loadAll().records.first?.state, .running)
        let files = try FileManager.default.contentsOfDirectory(atPath: store.directory.path)
        XCTAssertEqual(files, ["\(record.id).json"])
    }

    func testDamagedRecordsAreMovedAsideAndReported() throws {
        let store = try JobStore(stateDirectory: folder.url)
        let good = JobRecord(spec: TestSpecs.tiny())
        try store.save(good)
        let truncated = store.fileURL(for: "11111111-1111-1111-1111-111111111111")
        try Data(#"{"id": "11111111-1111-"#.utf8).write(to: truncated)
        // A valid record under another job's file name is not trusted either.
        let misnamed = store.fileURL(for: "22222222-2222-2222-2222-222222222222")
        try JobStore.encoder.encode(JobRecord(spec: .reference)).write(to: misnamed)

        let (records, damaged) = store.loadAll()
        XCTAssertEqual(records.map(\.id), [good.id])
        XCTAssertEqual(Set(damaged.map(\.file.lastPathComponent)), [truncated.lastPathComponent, misnamed.lastPathComponent])
        for problem in damaged {
            XCTAssertFalse(FileManager.default.fileExists(atPath: problem.file.path))
            XCTAssertTrue(FileManager.default.fileExists(atPath: problem.movedTo.path), "kept for a human to look at")
            XCTAssertTrue(problem.description.contains(problem.file.lastPathComponent))
        }
        XCTAssertTrue(damaged.contains { $0.reason.contains("holds job") })
        // Once moved aside they are not reported again.
        XCTAssertTrue(store.loadAll().damaged.isEmpty)
    }
}
