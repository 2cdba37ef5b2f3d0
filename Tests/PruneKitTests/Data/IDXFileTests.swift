import Foundation
import XCTest
@testable import PruneKit

final class IDXFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
    }

    private let sample = idxBytes(dimensions: [2, 3, 2], values: Array(0..<12))

    func testReadsUncompressedFile() throws {
        let url = try writeFile(sample, "plain-idx3-ubyte", in: folder)
        let array = try IDXArray.read(contentsOf: url)
        XCTAssertEqual(array.dimensions, [2, 3, 2])
        XCTAssertEqual(array.values, Array(0..<12))
    }

    func testReadsGzippedFile() throws {
        let url = try writeFile(try gzipped(sample), "zipped-idx3-ubyte.gz", in: folder)
        XCTAssertEqual(try IDXArray.read(contentsOf: url), IDXArray(dimensions: [2, 3, 2], values: Array(0..<12)))
    }

    func testReadsLabelFileOfOneDimension() throws {
        let url = try writeFile(try gzipped(idxBytes(dimensions: [5], values: [4, 3, 2, 1, 0])), "labels.gz", in: folder)
        XCTAssertEqual(try IDXArray.read(contentsOf: url), IDXArray(dimensions: [5], values: [4, 3, 2, 1, 0]))
    }

    func testMissingFileIsNamed() {
        let url = folder.appendingPathComponent("absent-idx1-ubyte")
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["absent-idx1-ubyte", "no such file"])
    }

    func testEmptyFileIsTruncated() throws {
        let url = try writeFile([], "empty", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: [url.path, "truncated", "magic"])
    }

    func testWrongMagicIsRejected() throws {
        var bytes = sample
        bytes[0] = 0x1F
        let url = try writeFile(bytes, "bad-magic", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["bad-magic", "not an IDX file", "magic number"])
        // The file's bytes are not quoted: the error may reach an HTTP client that named the file.
        XCTAssertThrowsError(try IDXArray.read(contentsOf: url)) { XCTAssertFalse("\($0)".contains("0x1F"), "\($0)") }
    }

    func testNonByteTypeIsRejected() throws {
        let url = try writeFile(idxBytes(dimensions: [3], values: [0, 0, 0], type: 0x0D), "floats", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["floats", "type 0x0D", "unsigned bytes"])
    }

    func testZeroOrTooManyDimensionsAreRejected() throws {
        let none = try writeFile([0, 0, 8, 0], "rank0", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: none), mentions: ["rank0", "0 dimensions"])
        let many = try writeFile([0, 0, 8, 9] + [UInt8](repeating: 1, count: 36), "rank9", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: many), mentions: ["rank9", "9 dimensions"])
    }

    func testZeroSizedDimensionIsRejected() throws {
        let url = try writeFile(idxBytes(dimensions: [4, 0], values: []), "zero-dim", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["zero-dim", "dimension 1 is 0"])
    }

    func testHugeDeclaredSizeIsRejectedBeforeAllocating() throws {
        let url = try writeFile(idxBytes(dimensions: [60000, 60000, 60000], values: []), "huge", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["huge", "more than"])
    }

    func testTruncatedHeaderIsRejected() throws {
        let url = try writeFile(Array(sample.prefix(9)), "short-header", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["short-header", "truncated inside its header"])
    }

    func testTruncatedDataIsRejected() throws {
        let url = try writeFile(Array(sample.dropLast(5)), "short-data", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["short-data", "truncated", "12 bytes", "only 7"])
    }

    func testExtraDataIsRejected() throws {
        let url = try writeFile(sample + [99], "long-data", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["long-data", "beyond the 12 bytes"])
    }

    func testTruncatedGzipStreamIsRejected() throws {
        let values = (0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }
        let compressed = try gzipped(idxBytes(dimensions: [4000], values: values))
        let url = try writeFile(Array(compressed.prefix(compressed.count / 2)), "cut.gz", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["cut.gz", "truncated"])
    }

    func testGzipMissingOnlyItsTrailerIsRejected() throws {
        let compressed = try gzipped(sample)
        let url = try writeFile(Array(compressed.dropLast(8)), "no-trailer.gz", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["no-trailer.gz", "truncated"])
    }

    func testCorruptGzipStreamIsRejected() throws {
        var compressed = try gzipped(sample)
        compressed[compressed.count - 6] ^= 0xFF  // inside the CRC-32 / length trailer
        let url = try writeFile(compressed, "bad-crc.gz", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["bad-crc.gz", "corrupt"])
    }

    func testCorruptDeflateDataIsRejected() throws {
        var compressed = try gzipped(sample)
        for i in 10..<min(compressed.count - 8, 16) { compressed[i] = 0xFF }  // an invalid deflate block header
        let url = try writeFile(compressed, "bad-deflate.gz", in: folder)
        assertDataFileError(try IDXArray.read(contentsOf: url), mentions: ["bad-deflate.gz", "corrupt"])
    }
}
