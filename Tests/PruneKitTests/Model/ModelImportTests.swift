import Foundation
import XCTest
@testable import PruneKit

/// A safetensors file written byte by byte, so tests choose dtypes, names and offsets freely.
func rawSafetensors(_ tensors: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])],
                    headerOverride: String? = nil) -> [UInt8] {
    var entries: [String] = []
    var offset = 0
    for t in tensors {
        let shape = t.shape.map(String.init).joined(separator: ",")
        entries.append("\"\(t.name)\":{\"dtype\":\"\(t.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}")
        offset += t.bytes.count
    }
    let header = Array((headerOverride ?? "{" + entries.joined(separator: ",") + "}").utf8)
    var file: [UInt8] = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
    file += header
    for t in tensors { file += t.bytes }
    return file
}

func f32Bytes(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } } }
func f16Bytes(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: Float16($0).bitPattern.littleEndian) { Array($0) } } }
func bf16Bytes(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: UInt16($0.bitPattern >> 16).littleEndian) { Array($0) } } }

final class ModelImportTests: XCTestCase {
    /// A 3-4-2 network in PyTorch's layout: `0.weight` [4, 3], `2.weight` [2, 4].
    let w0: [Float] = (0..<12).map { Float($0) / 8 - 0.5 }   // [out 4, in 3]
    let w2: [Float] = (0..<8).map { 0.25 - Float($0) / 16 }   // [out 2, in 4]

    func testPyTorchSequentialIsTransposedIntoInByOut() throws {
        let folder = try makeTemporaryFolder(self)
        let url = try writeFile(rawSafetensors([("0.weight", "F32", [4, 3], f32Bytes(w0)), ("0.bias", "F32", [4], f32Bytes([1, 2, 3, 4])),
                                                ("2.weight", "F32", [2, 4], f32Bytes(w2)), ("2.bias", "F32", [2], f32Bytes([5, 6]))]),
                                "torch.safetensors", in: folder)
        let model = try ModelImport.read(at: url, layers: nil)
        XCTAssertEqual(model.layerSizes, [3, 4, 2])
        XCTAssertEqual(model.biases, [[1, 2, 3, 4], [5, 6]])
        for o in 0..<4 { for i in 0..<3 { XCTAssertEqual(model.weights[0][i, o], w0[o * 3 + i]) } }
        for o in 0..<2 { for i in 0..<4 { XCTAssertEqual(model.weights[1][i, o], w2[o * 4 + i]) } }
        XCTAssertEqual(try ModelImport.architecture(at: url, layers: nil).layout, .pytorchSequential)
    }

    func testF16AndBF16AreConvertedToF32() throws {
        let folder = try makeTemporaryFolder(self)
        // Values exact in both half formats.
        let values: [Float] = [0.5, -0.25, 1.5, 2, -3, 0.125, 0, 4, -0.5, 1, 0.75, -1]
        for (dtype, bytes) in [("F16", f16Bytes(values)), ("BF16", bf16Bytes(values))] {
            let url = try writeFile(rawSafetensors([("0.weight", dtype, [4, 3], bytes), ("2.weight", dtype, [2, 4], Array(bytes.prefix(16)))]),
                                    "\(dtype).safetensors", in: folder)
            let model = try ModelImport.read(at: url, layers: nil)
            for o in 0..<4 { for i in 0..<3 { XCTAssertEqual(model.weights[0][i, o], values[o * 3 + i], dtype) } }
        }
    }

    func testNamedLayersInTheGivenOrder() throws {
        let folder = try makeTemporaryFolder(self)
        let url = try writeFile(rawSafetensors([("fc2.weight", "F32", [2, 4], f32Bytes(w2)), ("fc1.weight", "F32", [4, 3], f32Bytes(w0))]),
                                "named.safetensors", in: folder)
        XCTAssertEqual(try ModelImport.read(at: url, layers: ["fc1", "fc2"]).layerSizes, [3, 4, 2])
        assertDataFileError(try ModelImport.read(at: url, layers: nil), mentions: ["neither PyTorch", "fc1.weight", "/model/layers"])
        assertDataFileError(try ModelImport.read(at: url, layers: ["fc1", "fc3"]), mentions: ["no tensor \"fc3.weight\""])
        assertDataFileError(try ModelImport.read(at: url, layers: ["fc2", "fc1"]),
                            mentions: ["\"fc1.weight\" has shape [4, 3]", "3 inputs", "\"fc2.weight\" [2, 4]", "2 outputs"])
    }

    func testPruneLabCheckpointsAndTorchExportsReadBack() throws {
        let folder = try makeTemporaryFolder(self)
        let model = MLP.glorotUniform(layerSizes: [5, 7, 3], bias: true, seed: 2)
        let own = folder.appendingPathComponent("own.safetensors")
        try Safetensors.write(model, to: own)
        XCTAssertEqual(try ModelImport.read(at: own, layers: nil), model)
        let torch = folder.appendingPathComponent("torch.safetensors")
        try TorchExport.write(model, to: torch, masks: true)
        XCTAssertEqual(try ModelImport.read(at: torch, layers: nil), model, "masks are skipped, weights transposed back")
        XCTAssertEqual(try SafetensorsFile(url: torch).tensors["2.weight"]?.shape, [3, 7])
    }

    func testMismatchesNameTheTensorAndTheShapes() throws {
        let folder = try makeTemporaryFolder(self)
        let chain = try writeFile(rawSafetensors([("0.weight", "F32", [4, 3], f32Bytes(w0)), ("2.weight", "F32", [2, 5], f32Bytes(w2 + [0, 0]))]),
                                  "chain.safetensors", in: folder)
        assertDataFileError(try ModelImport.read(at: chain, layers: nil),
                            mentions: ["\"2.weight\" has shape [2, 5]", "5 inputs", "\"0.weight\" [4, 3]", "4 outputs"])
        let bias = try writeFile(rawSafetensors([("0.weight", "F32", [4, 3], f32Bytes(w0)), ("0.bias", "F32", [3], f32Bytes([1, 2, 3]))]),
                                 "bias.safetensors", in: folder)
        assertDataFileError(try ModelImport.read(at: bias, layers: nil), mentions: ["\"0.bias\" has shape [3]", "[4]"])
        let partial = try writeFile(rawSafetensors([("0.weight", "F32", [4, 3], f32Bytes(w0)), ("0.bias", "F32", [4], f32Bytes([1, 2, 3, 4])),
                                                    ("2.weight", "F32", [2, 4], f32Bytes(w2))]), "partial.safetensors", in: folder)
        assertDataFileError(try ModelImport.read(at: partial, layers: nil), mentions: ["\"0.bias\"", "\"2.bias\""])
        let stray = try writeFile(rawSafetensors([("0.weight", "F32", [4, 3], f32Bytes(w0)), ("running_mean", "F32", [4], f32Bytes([1, 2, 3, 4]))]),
                                  "stray.safetensors", in: folder)
        assertDataFileError(try ModelImport.read(at: stray, layers: nil), mentions: ["\"running_mean\" [4]"])
        let conv = try writeFile(rawSafetensors([("0.weight", "F32", [4, 3, 1], f32Bytes(w0))]), "conv.safetensors", in: folder)
        assertDataFileError(try ModelImport.read(at: conv, layers: nil), mentions: ["\"0.weight\" has shape [4, 3, 1]", "2 dimensions"])
    }

    func testCorruptFilesGetClearErrors() throws {
        let folder = try makeTemporaryFolder(self)
        let good = rawSafetensors([("0.weight", "F32", [4, 3], f32Bytes(w0))])
        var beyond = good
        beyond.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 20).littleEndian) { Array($0) })
        assertDataFileError(try SafetensorsFile(url: writeFile(beyond, "beyond", in: folder)), mentions: ["1048576-byte header", "bytes after the length"])
        var huge = good
        huge.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(200 << 20).littleEndian) { Array($0) })
        assertDataFileError(try SafetensorsFile(url: writeFile(huge, "huge", in: folder)), mentions: ["header; at most"])
        assertDataFileError(try SafetensorsFile(url: writeFile(rawSafetensors([], headerOverride: "[1, 2]"), "array", in: folder)),
                            mentions: ["not a JSON object"])
        assertDataFileError(try SafetensorsFile(url: writeFile(rawSafetensors([("0.weight", "F64", [1, 1], [UInt8](repeating: 0, count: 8))]), "f64", in: folder)),
                            mentions: ["dtype F64", "F32, F16, BF16"])
        let overlapping = rawSafetensors([], headerOverride: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#)
            + [UInt8](repeating: 0, count: 12)
        assertDataFileError(try SafetensorsFile(url: writeFile(overlapping, "overlap", in: folder)), mentions: ["overlaps"])
        let outside = rawSafetensors([], headerOverride: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#) + [0, 0, 0]
        assertDataFileError(try SafetensorsFile(url: writeFile(outside, "outside", in: folder)), mentions: ["\"a\" has data_offsets outside the 3 bytes"])
        assertDataFileError(try SafetensorsFile(url: writeFile([1, 2, 3], "short", in: folder)), mentions: ["3 bytes long"])
    }

    /// Truncated and mutated files: every one is read or refused with a DataFileError, never a crash.
    func testFuzzedFilesAreReadOrRefused() throws {
        let folder = try makeTemporaryFolder(self)
        let good = rawSafetensors([("0.weight", "F32", [4, 3], f32Bytes(w0)), ("0.bias", "F16", [4], f16Bytes([1, 2, 3, 4])),
                                   ("2.weight", "BF16", [2, 4], bf16Bytes(w2))])
        var generator = SeededGenerator(seed: 13)
        var refused = 0
        for trial in 0..<400 {
            var bytes = good
            if trial % 2 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            let url = try writeFile(bytes, "fuzz-\(trial)", in: folder)
            do { _ = try ModelImport.read(at: url, layers: nil) } catch is DataFileError { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 200)
    }

    func testSpecWithWeightsTakesTheFilesShapeAndNoTraining() throws {
        let spec = try SweepSpec.parse(JSONValue.object(["model": ["weights": "/tmp/m.safetensors"]]))
        XCTAssertEqual(spec.training.epochs, 0)
        XCTAssertNil(spec.model.declaredHidden)
        XCTAssertNil(spec.model.declaredBias)
        XCTAssertEqual(try SweepSpec.parse(JSONValue.object(["model": ["weights": "m", "hidden": [4]], "training": ["epochs": 3]])).training.epochs, 3)
        XCTAssertThrowsError(try SweepSpec.parse(JSONValue.object(["model": ["layers": ["fc1"]]]))) { error in
            XCTAssertEqual((error as? SpecValidationError)?.errors.first?.pointer, "/model/layers")
        }
        XCTAssertThrowsError(try SweepSpec.parse(JSONValue.object(["model": ["hidden": .null]]))) { error in
            XCTAssertEqual((error as? SpecValidationError)?.errors.first?.pointer, "/model/hidden")
        }
        XCTAssertEqual(try SweepSpec.parse(JSONValue.object([:])).model.hidden, [1000, 1000, 500, 200])
    }

    func testGivenHiddenMustMatchTheFile() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("m.safetensors")
        try TorchExport.write(MLP.glorotUniform(layerSizes: [16, 6, 4], bias: false, seed: 1), to: url)
        var spec = tinySweep(repeats: 1)
        spec.model = ModelSpec(hidden: [8], weights: url.path)
        XCTAssertThrowsError(try spec.resolvingImportedModel()) { error in
            XCTAssertTrue("\(error)".contains("/model/hidden: is [8] but"), "\(error)")
            XCTAssertTrue("\(error)".contains("[6]"), "\(error)")
        }
        spec.model = ModelSpec(hidden: [6], bias: false, weights: url.path)
        XCTAssertEqual(try spec.resolvingImportedModel().spec.model.hidden, [6])
        spec.dataset.features = 12
        XCTAssertThrowsError(try spec.resolvedWithShape()) { error in
            XCTAssertTrue("\(error)".contains("\"0.weight\" [6, 16] takes 16 inputs but the dataset's samples have 12 features"), "\(error)")
        }
    }

    /// A network trained elsewhere (here: by another sweep, written in PyTorch's layout) is
    /// pruned without training: the 0% row's accuracy is that network's own.
    func testSweepPrunesAnImportedNetworkWithoutTrainingIt() throws {
        let folder = try makeTemporaryFolder(self)
        let trained = try SweepRunner(spec: tinySweep(repeats: 1, sparsities: [0]), outputDirectory: folder.appendingPathComponent("a")).run()
        let model = try Safetensors.read(from: folder.appendingPathComponent("a/model.safetensors"))
        let url = folder.appendingPathComponent("torch.safetensors")
        try TorchExport.write(model, to: url)
        let json: JSONValue = ["dataset": ["name": "synthetic", "train_size": 256, "test_size": 96, "features": 16, "classes": 4, "seed": 3],
                               "model": ["weights": .string(url.path)], "pruning": ["sparsities": [0, 50]]]
        let spec = try SweepSpec.parse(json)
        let outcome = try SweepRunner(spec: spec, outputDirectory: folder.appendingPathComponent("b")).run()
        let zero = try XCTUnwrap(outcome.rows.first { $0.method == .weight && $0.targetSparsity == 0 })
        XCTAssertEqual(zero.accuracy, trained.rows[0].accuracy, accuracy: 1e-9)
        XCTAssertEqual(try Safetensors.read(from: folder.appendingPathComponent("b/model.safetensors")), model)
        let resolved = try JSONDecoder().decode(SweepSpec.self, from: Data(contentsOf: folder.appendingPathComponent("b/spec.json")))
        XCTAssertEqual(resolved.model.hidden, [16, 8])
    }
}
