import Foundation
import TestHelpers
import XCTest
@testable import PruneKit

/// Datasets from `.npz` (written by numpy itself) and CSV files: the values they load, the
/// shapes admission sees, and the errors for bad files.
final class DatasetFormatTests: XCTestCase {
    /// Runs a numpy snippet with the folder as argv[1].
    func numpy(_ script: String, in folder: URL) throws {
        let result = try PythonHelper.run("import numpy as np, os\nd = sys.argv[1]\n" + script, [folder.path], module: "numpy")
        XCTAssertEqual(result.status, 0, result.errors)
    }

    func batch(_ set: LabeledImages) -> Matrix {
        var m = Matrix(rows: 0, cols: set.features)
        set.fillBatch(0..<set.count, into: &m)
        return m
    }

    /// The same images as IDX files, a compressed and a stored `.npz`, and a CSV written by
    /// Python's csv module: the same numbers reach the network.
    func testNPZAndCSVGiveTheNumbersOfTheIDXForm() throws {
        let folder = try makeTemporaryFolder(self)
        try numpy("""
            import csv, struct
            rng = np.random.default_rng(4)
            xtr = rng.integers(0, 256, size=(30, 3, 5), dtype=np.uint8); ytr = rng.integers(0, 7, size=30).astype(np.uint8)
            xte = rng.integers(0, 256, size=(12, 3, 5), dtype=np.uint8); yte = rng.integers(0, 7, size=12).astype(np.int64)
            ytr[0] = 6
            np.savez_compressed(os.path.join(d, "deflated.npz"), x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
            np.savez(os.path.join(d, "stored.npz"), x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
            np.savez(os.path.join(d, "floats.npz"), x_train=(xtr / 255).astype(np.float32), y_train=ytr, x_test=(xte / 255).astype(np.float32), y_test=yte)
            os.mkdir(os.path.join(d, "idx"))
            def idx(name, a):
                with open(os.path.join(d, "idx", name), "wb") as f:
                    f.write(bytes([0, 0, 8, a.ndim]) + b"".join(struct.pack(">I", n) for n in a.shape) + a.astype(np.uint8).tobytes())
            idx("train-images-idx3-ubyte", xtr); idx("train-labels-idx1-ubyte", ytr)
            idx("t10k-images-idx3-ubyte", xte); idx("t10k-labels-idx1-ubyte", yte)
            for name, x, y in [("train.csv", xtr, ytr), ("test.csv", xte, yte)]:
                with open(os.path.join(d, name), "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow([f"p{i}" for i in range(15)] + ["label"])
                    for xi, yi in zip(x.reshape(len(x), -1), y):
                        w.writerow([repr(float(v) / 255) for v in xi] + [int(yi)])
            """, in: folder)
        let idx = try Dataset.load(.idxFolder(folder.appendingPathComponent("idx")))
        let sources: [DataSource] = [.npz(folder.appendingPathComponent("deflated.npz")), .npz(folder.appendingPathComponent("stored.npz")),
                                     .npz(folder.appendingPathComponent("floats.npz")),
                                     .csv(train: folder.appendingPathComponent("train.csv"), test: folder.appendingPathComponent("test.csv"), labelColumn: "label")]
        for source in sources {
            let data = try Dataset.load(source)
            XCTAssertEqual(data.features, 15, "\(source)")
            XCTAssertEqual(data.classes, 7, "\(source)")
            XCTAssertEqual(data.train.labels, idx.train.labels, "\(source)")
            XCTAssertEqual(data.test.labels, idx.test.labels, "\(source)")
            for (a, b) in [(batch(data.train), batch(idx.train)), (batch(data.test), batch(idx.test))] {
                for (x, y) in zip(a.data, b.data) { XCTAssertEqual(x, y, accuracy: 1e-6, "\(source)") }
            }
        }
        // Admission's view: the shape without loading, with float data at 4 bytes a value.
        var spec = SweepSpec()
        spec.dataset = DatasetSpec(name: .npz, path: folder.appendingPathComponent("deflated.npz").path, trainLimit: 20)
        XCTAssertEqual(try spec.dataShape(), DataShape(trainCount: 20, testCount: 12, features: 15, classes: 7, sourceTrainCount: 30, sourceTestCount: 12))
        spec.dataset = DatasetSpec(name: .csv, train: folder.appendingPathComponent("train.csv").path, test: folder.appendingPathComponent("test.csv").path)
        let csvShape = try spec.dataShape()
        XCTAssertEqual([csvShape.trainCount, csvShape.testCount, csvShape.features, csvShape.classes, csvShape.bytesPerFeature], [30, 12, 15, 7, 4])
    }

    func testBadNPZFilesNameTheArrayAndTheProblem() throws {
        let folder = try makeTemporaryFolder(self)
        try numpy("""
            x = np.zeros((4, 3), dtype=np.uint8); y = np.zeros(4, dtype=np.uint8)
            np.savez(os.path.join(d, "missing.npz"), x_train=x, y_train=y, x_test=x)
            np.savez(os.path.join(d, "lengths.npz"), x_train=x, y_train=np.zeros(3, dtype=np.uint8), x_test=x, y_test=y)
            np.savez(os.path.join(d, "label.npz"), x_train=x, y_train=np.array([0, 1, 300, 2]), x_test=x, y_test=y)
            f = np.zeros((4, 3), dtype=np.float32); f[2, 1] = np.nan
            np.savez(os.path.join(d, "nan.npz"), x_train=f, y_train=y, x_test=x.astype(np.float32), y_test=y)
            np.savez(os.path.join(d, "dtype.npz"), x_train=x.astype(np.float64), y_train=y, x_test=x, y_test=y)
            np.savez(os.path.join(d, "features.npz"), x_train=x, y_train=y, x_test=np.zeros((4, 2), dtype=np.uint8), y_test=y)
            open(os.path.join(d, "text.npz"), "w").write("not a zip")
            """, in: folder)
        func load(_ name: String) throws -> Dataset { try Dataset.load(.npz(folder.appendingPathComponent(name))) }
        assertDataFileError(try load("missing.npz"), mentions: ["missing.npz", "no array y_test", "it holds x_test, x_train, y_train"])
        assertDataFileError(try load("lengths.npz"), mentions: ["array y_train holds 3 labels but x_train holds 4 samples"])
        assertDataFileError(try load("label.npz"), mentions: ["array y_train[2] is 300", "0 to 255"])
        assertDataFileError(try load("nan.npz"), mentions: ["array x_train holds nan at sample 2, value 1"])
        assertDataFileError(try load("dtype.npz"), mentions: ["array x_train holds f8", "uint8 or float32"])
        assertDataFileError(try load("features.npz"), mentions: ["array x_test", "2 values per sample", "x_train has 3"])
        assertDataFileError(try load("text.npz"), mentions: ["not a zip archive"])
        assertDataFileError(try load("absent.npz"), mentions: ["absent.npz", "cannot be read"])
    }

    func testBadCSVFilesNameTheLineAndTheColumn() throws {
        let folder = try makeTemporaryFolder(self)
        let good = "a,b,label\n0.5,1,0\n2,3,1\n"
        try writeFile(Array(good.utf8), "good.csv", in: folder)
        let cases: [(String, [String])] = [
            ("a,b,label\n0.5,1,0\n2,3\n", ["line 3 has 2 fields but the header has 3"]),
            ("a,b,label\n0.5,nan,0\n", ["line 2, column \"b\"", "not a finite number"]),
            ("a,b,label\n0.5,x,0\n", ["line 2, column \"b\": \"x\" is not a number"]),
            ("a,b,label\n0.5,1,256\n", ["line 2, column \"label\": label 256 is not an integer from 0 to 255"]),
            ("a,b,label\n0.5,1,1.5\n", ["label 1.5"]),
            ("a,b,y\n0.5,1,0\n", ["no column \"label\"", "a, b, y"]),
            ("a,b,label\n", ["no samples"]),
        ]
        for (index, (text, fragments)) in cases.enumerated() {
            let url = try writeFile(Array(text.utf8), "bad-\(index).csv", in: folder)
            assertDataFileError(try Dataset.load(.csv(train: url, test: folder.appendingPathComponent("good.csv"), labelColumn: "label")),
                                mentions: ["bad-\(index).csv"] + fragments)
        }
        let other = try writeFile(Array("a,c,label\n1,2,0\n".utf8), "other.csv", in: folder)
        assertDataFileError(try Dataset.load(.csv(train: folder.appendingPathComponent("good.csv"), test: other, labelColumn: "label")),
                            mentions: ["other.csv", "same columns"])
        // CRLF line ends and a label column in the middle.
        let crlf = try writeFile(Array("y,a\r\n1,0.25\r\n0,0.5\r\n".utf8), "crlf.csv", in: folder)
        let data = try Dataset.load(.csv(train: crlf, test: crlf, labelColumn: "y"))
        XCTAssertEqual(data.train.labels, [1, 0])
        XCTAssertEqual(batch(data.train).data, [0.25, 0.5])
    }

    /// Truncated and mutated .npz files are read or refused, never a crash.
    func testFuzzedNPZFilesAreReadOrRefused() throws {
        let folder = try makeTemporaryFolder(self)
        try numpy("""
            x = np.arange(24, dtype=np.uint8).reshape(8, 3); y = np.arange(8, dtype=np.uint8) % 3
            np.savez_compressed(os.path.join(d, "a.npz"), x_train=x, y_train=y, x_test=x, y_test=y)
            """, in: folder)
        let good = [UInt8](try Data(contentsOf: folder.appendingPathComponent("a.npz")))
        var generator = SeededGenerator(seed: 3)
        var refused = 0
        for trial in 0..<300 {
            var bytes = good
            if trial % 2 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            let url = try writeFile(bytes, "fuzz-\(trial).npz", in: folder)
            do { _ = try Dataset.load(.npz(url)) } catch is DataFileError { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 100)
    }
}
