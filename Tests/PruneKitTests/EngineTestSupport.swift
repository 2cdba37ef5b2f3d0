import CZlib
import Foundation
import XCTest
@testable import PruneKit

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("prunekit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The bytes of an IDX file of unsigned bytes with the given dimensions and values.
func idxBytes(dimensions: [Int], values: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
    for d in dimensions { bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return bytes + values
}

/// `bytes` compressed as a gzip file, through zlib.
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString).gz")
    defer { try? FileManager.default.removeItem(at: url) }
    guard let file = gzopen(url.path, "wb") else { throw DataFileError(path: url.path, problem: "cannot create") }
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    gzclose(file)
    guard written == bytes.count else { throw DataFileError(path: url.path, problem: "short gzip write") }
    return [UInt8](try Data(contentsOf: url))
}

@discardableResult
func writeFile(_ bytes: [UInt8], _ name: String, in folder: URL) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
}

/// Writes the four standard IDX files of a tiny dataset into `folder`.
func writeIDXDataset(in folder: URL, trainCount: Int = 6, testCount: Int = 4, imageShape: [Int] = [3, 5],
                     labels: (Int) -> UInt8 = { UInt8($0 % 3) }, gzip: Bool = true) throws {
    let features = imageShape.reduce(1, *)
    func images(_ count: Int, offset: Int) -> [UInt8] {
        idxBytes(dimensions: [count] + imageShape, values: (0..<count * features).map { UInt8(($0 + offset) % 256) })
    }
    let files: [(String, [UInt8])] = [
        ("train-images-idx3-ubyte", images(trainCount, offset: 0)),
        ("train-labels-idx1-ubyte", idxBytes(dimensions: [trainCount], values: (0..<trainCount).map(labels))),
        ("t10k-images-idx3-ubyte", images(testCount, offset: 7)),
        ("t10k-labels-idx1-ubyte", idxBytes(dimensions: [testCount], values: (0..<testCount).map(labels))),
    ]
    for (name, bytes) in files {
        if gzip { try writeFile(try gzipped(bytes), name + ".gz", in: folder) } else { try writeFile(bytes, name, in: folder) }
    }
}

/// The small synthetic classification set the engine tests train on.
func smallSyntheticDataset(trainSize: Int = 600, testSize: Int = 300, features: Int = 16, classes: Int = 4, seed: Int = 5) throws -> Dataset {
    try Dataset.load(DatasetSpec(name: .synthetic, trainSize: trainSize, testSize: testSize, features: features, classes: classes, seed: seed))
}

/// Asserts that `body` throws a `DataFileError` whose message contains every one of `fragments`.
func assertDataFileError<T>(_ body: @autoclosure () throws -> T, mentions fragments: [String],
                            file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
    } catch let error as DataFileError {
        for fragment in fragments {
            XCTAssertTrue(error.description.contains(fragment), "\"\(error)\" does not mention \"\(fragment)\"", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}
