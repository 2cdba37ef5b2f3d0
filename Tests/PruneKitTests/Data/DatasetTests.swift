import Foundation
import TestHelpers
import XCTest
@testable import PruneKit

final class DatasetTests: XCTestCase {
    func testLoadsGzippedFolderTakingInputSizeAndClassesFromTheFiles() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder, trainCount: 6, testCount: 4, imageShape: [3, 5], labels: { UInt8($0 % 3) })
        let data = try Dataset.load(DatasetSpec(name: .idx, path: folder.path))
        XCTAssertEqual(data.features, 15)
        XCTAssertEqual(data.classes, 3)
        XCTAssertEqual(data.train.count, 6)
        XCTAssertEqual(data.test.count, 4)
        XCTAssertEqual(data.train.labels, [0, 1, 2, 0, 1, 2])
        XCTAssertEqual(Array(data.test.pixels.prefix(3)), [7, 8, 9])
    }

    func testLoadsUncompressedFolderAndAppliesLimits() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder, trainCount: 8, testCount: 5, imageShape: [2, 2], gzip: false)
        let data = try Dataset.load(DatasetSpec(name: .idx, path: folder.path, trainLimit: 3, testLimit: 50))
        XCTAssertEqual(data.train.count, 3)
        XCTAssertEqual(data.train.pixels, Array(0..<12))
        XCTAssertEqual(data.test.count, 5)
    }

    func testClassesAreAtLeastTwo() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder, labels: { _ in 0 })
        XCTAssertEqual(try Dataset.load(DatasetSpec(name: .idx, path: folder.path)).classes, 2)
    }

    func testMissingFileNamesFolderAndFile() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        assertDataFileError(try Dataset.load(DatasetSpec(name: .idx, path: folder.path)),
                            mentions: [folder.path, "t10k-labels-idx1-ubyte.gz"])
    }

    func testMissingFolderIsNamed() {
        let path = "/nonexistent/prunelab-data"
        assertDataFileError(try Dataset.load(DatasetSpec(name: .idx, path: path)), mentions: [path, "no such folder"])
    }

    func testImageAndLabelCountMismatchIsNamed() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder, trainCount: 6)
        try writeFile(try gzipped(idxBytes(dimensions: [5], values: [0, 1, 2, 0, 1])), "train-labels-idx1-ubyte.gz", in: folder)
        assertDataFileError(try Dataset.load(DatasetSpec(name: .idx, path: folder.path)),
                            mentions: ["train-labels-idx1-ubyte.gz", "5 labels", "6 images"])
    }

    func testTrainAndTestImageSizeMismatchIsNamed() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder, testCount: 2)
        try writeFile(try gzipped(idxBytes(dimensions: [2, 4, 4], values: [UInt8](repeating: 0, count: 32))),
                      "t10k-images-idx3-ubyte.gz", in: folder)
        assertDataFileError(try Dataset.load(DatasetSpec(name: .idx, path: folder.path)),
                            mentions: ["t10k-images-idx3-ubyte.gz", "16 values per image", "15"])
    }

    func testLabelFileWithImageShapeIsRejected() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder, trainCount: 6)
        try writeFile(try gzipped(idxBytes(dimensions: [6, 1], values: [0, 1, 2, 0, 1, 2])), "train-labels-idx1-ubyte.gz", in: folder)
        assertDataFileError(try Dataset.load(DatasetSpec(name: .idx, path: folder.path)),
                            mentions: ["train-labels-idx1-ubyte.gz", "exactly 1"])
    }

    func testLabelBeyondFixedClassCountIsNamed() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder, labels: { $0 == 3 ? 12 : 1 })
        assertDataFileError(try Dataset.loadIDXFolder(folder, name: "ten-classes", classes: 10),
                            mentions: ["train-labels-idx1-ubyte.gz", "label 12 of sample 3", "0..<10"])
    }

    func testCorruptFileInFolderIsNamed() throws {
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder)
        try writeFile([0, 0, 8, 3, 0, 0], "train-images-idx3-ubyte.gz", in: folder)
        assertDataFileError(try Dataset.load(DatasetSpec(name: .idx, path: folder.path)),
                            mentions: ["train-images-idx3-ubyte.gz", "truncated"])
    }

    func testWithBothSetsCorruptTheTrainingSetIsNamedAndATestSetAloneIsNamedToo() throws {
        // The two sets are read on two cores at once; the error thrown must not depend on which finishes first.
        let folder = try makeTemporaryFolder(self)
        try writeIDXDataset(in: folder)
        try writeFile([0, 0, 8, 1, 0, 0], "t10k-labels-idx1-ubyte.gz", in: folder)
        assertDataFileError(try Dataset.load(DatasetSpec(name: .idx, path: folder.path)),
                            mentions: ["t10k-labels-idx1-ubyte.gz", "truncated"])
        try writeFile([0, 0, 8, 3, 0, 0], "train-images-idx3-ubyte.gz", in: folder)
        for _ in 0..<5 {
            assertDataFileError(try Dataset.load(DatasetSpec(name: .idx, path: folder.path)),
                                mentions: ["train-images-idx3-ubyte.gz", "truncated"])
        }
    }

    func testSyntheticSetFollowsSpecAndSeed() throws {
        let spec = DatasetSpec(name: .synthetic, trainLimit: 90, trainSize: 100, testSize: 40, features: 12, classes: 5, seed: 9)
        let a = try Dataset.load(spec)
        XCTAssertEqual([a.train.count, a.test.count, a.features, a.classes], [90, 40, 12, 5])
        XCTAssertTrue(a.train.labels.allSatisfy { $0 < 5 })
        XCTAssertEqual(Set(a.train.labels).count, 5, "every class appears")
        let b = try Dataset.load(spec)
        XCTAssertEqual(a.train.pixels, b.train.pixels)
        XCTAssertEqual(a.test.labels, b.test.labels)
        var other = spec
        other.seed = 10
        XCTAssertNotEqual(try Dataset.load(other).train.pixels, a.train.pixels)
    }

    func testSyntheticRefusesMoreClassesThanByteLabelsHold() {
        assertDataFileError(try Dataset.load(DatasetSpec(name: .synthetic, classes: 300)), mentions: ["at most 256", "300"])
    }

    func testFillBatchScalesChosenSamplesToUnitRange() {
        let images = LabeledImages(features: 2, pixels: [0, 255, 51, 102, 10, 20], labels: [0, 1, 0])
        var batch = Matrix(rows: 0, cols: 0)
        images.fillBatch([2, 0], into: &batch)
        XCTAssertEqual(batch.rows, 2)
        XCTAssertEqual(batch.cols, 2)
        for (actual, expected) in zip(batch.data, [10, 20, 0, 255].map { Float($0) / 255 }) {
            XCTAssertEqual(actual, expected, accuracy: 1e-7)
        }
        images.fillBatch(1..<2, into: &batch)
        XCTAssertEqual([batch.rows, batch.cols], [1, 2])
        XCTAssertEqual(batch[0, 0], 0.2, accuracy: 1e-7)
        XCTAssertEqual(batch[0, 1], 0.4, accuracy: 1e-7)
    }

    func testFillBatchGivesEachByteTimesTheScaleExactlyForScatteredRows() {
        // More rows than the C loop prefetches ahead, rows that straddle cache lines, every byte value.
        let features = 300, count = 40
        let pixels = (0..<features * count).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 255) }
        let images = LabeledImages(features: features, pixels: pixels, labels: [UInt8](repeating: 0, count: count))
        let order = [39, 0, 17, 17, 3, 38, 21, 5, 9, 30, 1, 2]
        var batch = Matrix(rows: 0, cols: 0)
        images.fillBatch(order, into: &batch)
        let scale: Float = 1 / 255
        XCTAssertEqual(batch.data, order.flatMap { row in pixels[row * features ..< (row + 1) * features].map { Float($0) * scale } })
        images.fillBatch(order[2...], into: &batch)
        XCTAssertEqual(batch.rows, order.count - 2)
        XCTAssertEqual(Array(batch.data.prefix(features)), pixels[17 * features ..< 18 * features].map { Float($0) * scale })
    }

    func testFashionMNISTFromDebianPackage() throws {
        try TestRequirement.fashionMNIST()
        let data = try Dataset.load(DatasetSpec(trainLimit: 100, testLimit: 10))
        XCTAssertEqual([data.train.count, data.test.count, data.features, data.classes], [100, 10, 784, 10])
    }
}
