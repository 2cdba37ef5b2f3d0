import Foundation
import XCTest
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

final class FileCacheTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("file-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(at: folder) }

    private func identity(_ path: String) throws -> FileIdentity {
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(.ENOENT) }
        return FileIdentity(info)
    }

    func testUnchangedFileComesFromTheCache() throws {
        let path = folder.appendingPathComponent("a.txt").path
        try "first".write(toFile: path, atomically: false, encoding: .utf8)
        let cache = FileCache()
        let seen = try identity(path)
        XCTAssertEqual(cache.snapshot(of: path, identity: seen)?.bytes, Array("first".utf8))
        try FileManager.default.removeItem(atPath: path)
        XCTAssertEqual(cache.snapshot(of: path, identity: seen)?.bytes, Array("first".utf8),
                       "the same identity is answered without touching the file")
    }

    func testReplacedOrRewrittenFileIsReadAgain() throws {
        let path = folder.appendingPathComponent("a.txt").path
        try "first".write(toFile: path, atomically: false, encoding: .utf8)
        let cache = FileCache()
        let first = try XCTUnwrap(cache.snapshot(of: path, identity: try identity(path)))
        try "second".write(toFile: path, atomically: true, encoding: .utf8)   // rename: a new inode
        let second = try XCTUnwrap(cache.snapshot(of: path, identity: try identity(path)))
        XCTAssertEqual(second.bytes, Array("second".utf8))
        XCTAssertNotEqual(second.etag, first.etag)
        try "third, longer".write(toFile: path, atomically: false, encoding: .utf8)   // in place
        XCTAssertEqual(cache.snapshot(of: path, identity: try identity(path))?.bytes, Array("third, longer".utf8))
    }

    func testOldestEntriesAreEvicted() throws {
        let cache = FileCache(maxEntries: 2)
        var identities: [String: FileIdentity] = [:]
        for name in ["a", "b", "c"] {
            let path = folder.appendingPathComponent(name).path
            try name.write(toFile: path, atomically: false, encoding: .utf8)
            identities[path] = try identity(path)
            XCTAssertNotNil(cache.snapshot(of: path, identity: try identity(path)))
        }
        let oldest = folder.appendingPathComponent("a").path, newest = folder.appendingPathComponent("c").path
        try FileManager.default.removeItem(atPath: oldest)
        try FileManager.default.removeItem(atPath: newest)
        XCTAssertNil(cache.snapshot(of: oldest, identity: try XCTUnwrap(identities[oldest])), "evicted, and gone from disk")
        XCTAssertEqual(cache.snapshot(of: newest, identity: try XCTUnwrap(identities[newest]))?.bytes, Array("c".utf8))
    }

    func testMissingFileGivesNil() {
        let path = folder.appendingPathComponent("none").path
        var info = stat()
        info.st_size = 3
        XCTAssertNil(FileCache().snapshot(of: path, identity: FileIdentity(info)))
    }
}
