import Foundation
import XCTest
@testable import PruneKit

final class SafetensorsTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
    }

    func testRoundTripWithAndWithoutBias() throws {
        for bias in [false, true] {
            var model = MLP.glorotUniform(layerSizes: [7, 5, 3], bias: bias, seed: 1)
            if bias { model.biases[1] = [0.5, -1.25, .leastNonzeroMagnitude] }
            let url = folder.appendingPathComponent("model-\(bias).safetensors")
            try Safetensors.write(model, to: url, metadata: ["epochs": "5"])
            XCTAssertEqual(try Safetensors.read(from: url), model)
        }
    }

    func testFileLayout() throws {
        let model = MLP(weights: [Matrix(rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6]), Matrix(rows: 3, cols: 1, data: [-1, 0.5, 0])],
                        biases: [[0.25, 0, 0], [9]])
        let url = folder.appendingPathComponent("layout.safetensors")
        try Safetensors.write(model, to: url, metadata: ["dataset": "fashion-mnist"])
        let bytes = [UInt8](try Data(contentsOf: url))

        let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }  // little-endian
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes")
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<8 + headerLength])) as? [String: Any])
        let metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        XCTAssertEqual(metadata["dataset"], "fashion-mnist")
        XCTAssertEqual(metadata["producer"], "prunelab")
        XCTAssertEqual(metadata["format_version"], String(FormatVersion.checkpoint))
        let expected: [(String, [Int], [Float])] = [
            ("layers.0.weight", [2, 3], [1, 2, 3, 4, 5, 6]), ("layers.0.bias", [3], [0.25, 0, 0]),
            ("layers.1.weight", [3, 1], [-1, 0.5, 0]), ("layers.1.bias", [1], [9]),
        ]
        XCTAssertEqual(Set(header.keys), Set(expected.map(\.0) + ["__metadata__"]))
        let dataStart = 8 + headerLength
        var covered = 0
        for (name, shape, values) in expected {
            let info = try XCTUnwrap(header[name] as? [String: Any], name)
            XCTAssertEqual(info["dtype"] as? String, "F32")
            XCTAssertEqual(info["shape"] as? [Int], shape)
            let offsets = try XCTUnwrap(info["data_offsets"] as? [Int])
            XCTAssertEqual(offsets[1] - offsets[0], 4 * values.count)
            let stored = (0..<values.count).map { i -> Float in
                let at = dataStart + offsets[0] + 4 * i
                return Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) })
            }
            XCTAssertEqual(stored, values, name)
            covered += offsets[1] - offsets[0]
        }
        XCTAssertEqual(bytes.count, dataStart + covered, "no bytes beyond the tensors")
    }

    func testWriteLeavesNoTemporaryFilesAndReplacesExisting() throws {
        let url = folder.appendingPathComponent("model.safetensors")
        try Safetensors.write(MLP.glorotUniform(layerSizes: [3, 2], bias: false, seed: 1), to: url)
        let second = MLP.glorotUniform(layerSizes: [4, 2], bias: false, seed: 2)
        try Safetensors.write(second, to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"])
        XCTAssertEqual(try Safetensors.read(from: url), second)
    }

    /// A file with the given header object and `dataBytes` zero bytes of tensor data.
    private func file(header: [String: Any], dataBytes: Int, name: String = "bad.safetensors") throws -> URL {
        let json = try JSONSerialization.data(withJSONObject: header)
        var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { [UInt8]($0) }
        bytes += [UInt8](json) + [UInt8](repeating: 0, count: dataBytes)
        return try writeFile(bytes, name, in: folder)
    }

    private func tensor(_ shape: [Int], _ begin: Int, _ end: Int, dtype: String = "F32") -> [String: Any] {
        ["dtype": dtype, "shape": shape, "data_offsets": [begin, end]]
    }

    func testMalformedFilesAreRejectedWithTheirProblem() throws {
        let short = try writeFile([1, 2, 3], "short.safetensors", in: folder)
        assertDataFileError(try Safetensors.read(from: short), mentions: ["short.safetensors", "8-byte header length"])

        let overlong = try writeFile([255, 0, 0, 0, 0, 0, 0, 0, 123], "overlong.safetensors", in: folder)
        assertDataFileError(try Safetensors.read(from: overlong), mentions: ["overlong.safetensors", "255-byte header"])

        let notJSON = try writeFile([4, 0, 0, 0, 0, 0, 0, 0] + Array("nope".utf8), "json.safetensors", in: folder)
        assertDataFileError(try Safetensors.read(from: notJSON), mentions: ["json.safetensors", "not a JSON object"])

        let cases: [([String: Any], Int, [String])] = [
            (["layers.0.weight": tensor([2, 2], 0, 8, dtype: "F16")], 8, ["layers.0.weight", "dtype F16"]),
            (["layers.0.weight": tensor([2, 2], 0, 16)], 8, ["layers.0.weight", "outside the 8 bytes"]),
            (["layers.0.weight": tensor([2, 3], 0, 16)], 16, ["shape [2, 3]", "24 bytes", "span 16"]),
            (["layers.1.weight": tensor([2, 2], 0, 16)], 16, ["no tensor \"layers.0.weight\""]),
            (["layers.0.weight": tensor([4], 0, 16)], 16, ["shape [4]", "[inputs, outputs]"]),
            (["layers.0.weight": tensor([2, 2], 0, 16), "layers.1.weight": tensor([3, 1], 16, 28)], 28, ["takes 3 inputs", "2 outputs"]),
            (["layers.0.weight": tensor([2, 2], 0, 16), "layers.0.bias": tensor([3], 16, 28)], 28, ["layers.0.bias", "expected [2]"]),
            (["layers.0.weight": tensor([2, 2], 0, 16), "layers.1.weight": tensor([2, 1], 8, 16)], 16, ["overlaps"]),
            (["layers.0.weight": tensor([1, 2], 0, 8), "layers.1.weight": tensor([2, 1], 8, 16), "layers.0.bias": tensor([2], 16, 24)],
             24, ["biases for 1 of its 2 layers"]),
            (["layers.0.weight": tensor([2, 2], 0, 16), "extra": tensor([1], 16, 20)], 20, ["\"extra\"", "not part of an MLP"]),
            (["layers.0.weight": ["dtype": "F32", "shape": [2, -1], "data_offsets": [0, 0]]], 0, ["no valid shape"]),
        ]
        for (i, (header, dataBytes, fragments)) in cases.enumerated() {
            let url = try file(header: header, dataBytes: dataBytes, name: "case\(i).safetensors")
            assertDataFileError(try Safetensors.read(from: url), mentions: ["case\(i).safetensors"] + fragments)
        }
    }

    func testMissingFileIsNamed() {
        let url = folder.appendingPathComponent("absent.safetensors")
        assertDataFileError(try Safetensors.read(from: url), mentions: ["absent.safetensors", "cannot be read"])
    }
}
