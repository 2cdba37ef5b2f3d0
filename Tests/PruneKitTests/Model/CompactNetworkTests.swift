import Foundation
import XCTest
@testable import PruneKit

final class CompactNetworkTests: XCTestCase {
    private func bits(_ model: MLP) -> [[UInt32]] {
        model.weights.map { $0.data.map(\.bitPattern) } + model.biases.map { $0.map(\.bitPattern) }
    }

    /// Layers at 100% sparsity, at 0% (with values that compare equal to zero or to nothing:
    /// -0.0, NaN with a payload, infinities, subnormals) and in between, of sizes that are not
    /// multiples of 8, come back bit for bit.
    func testRoundTripsBitExactAtEverySparsity() throws {
        let folder = try makeTemporaryFolder(self)
        var generator = SeededGenerator(seed: 7)
        let special: [Float] = [-0.0, Float(bitPattern: 0x7FC0_1234), -.infinity, .infinity, .leastNonzeroMagnitude,
                                -.greatestFiniteMagnitude, 1, -1]
        let full = (0..<(13 * 11)).map { i in i < special.count ? special[i] : Float.random(in: -1...1, using: &generator) + 2 }
        let half = (0..<(11 * 9)).map { i in i % 2 == 0 ? 0 : Float.random(in: -1...1, using: &generator) }
        let layers = [Matrix(rows: 7, cols: 13, repeating: 0), Matrix(rows: 13, cols: 11, data: full),
                      Matrix(rows: 11, cols: 9, data: half), Matrix(rows: 9, cols: 3, data: (0..<27).map { $0 == 26 ? -0.0 : 0 })]
        for bias in [false, true] {
            let model = MLP(weights: layers, biases: bias ? layers.map { w in (0..<w.cols).map { Float($0) - 0.5 } } : [])
            let url = folder.appendingPathComponent("net-\(bias).safetensors")
            try CompactNetwork.write(model, to: url, metadata: ["note": "kept"])
            let (back, metadata) = try CompactNetwork.read(from: url)
            XCTAssertEqual(back.layerSizes, model.layerSizes)
            XCTAssertEqual(back.hasBias, bias)
            XCTAssertEqual(bits(back), bits(model))
            XCTAssertEqual(metadata["note"], "kept")
            let file = try SafetensorsFile(url: url)
            XCTAssertEqual(file.tensors["layers.0.mask"]?.shape, [12], "91 bits")
            XCTAssertEqual(file.tensors["layers.0.values"]?.shape, [0], "a layer at 100%: no values")
            XCTAssertEqual(file.tensors["layers.1.weight"]?.shape, [13, 11], "a layer at 0% is cheaper dense")
            XCTAssertEqual(file.tensors["layers.2.values"]?.shape, [49])
            XCTAssertEqual(file.tensors["layers.3.values"]?.shape, [1], "-0.0 is a value, not a pruned weight")
        }
    }

    func testPrunedLayersTakeABitAndTheirKeptValues() throws {
        let url = try makeTemporaryFolder(self).appendingPathComponent("net.safetensors")
        let count = 400 * 300
        let model = MLP(weights: [Matrix(rows: 400, cols: 300, data: (0..<count).map { $0 % 10 == 0 ? Float($0) : 0 })])
        try CompactNetwork.write(model, to: url)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        let payload = count / 8 + 4 * count / 10
        XCTAssertGreaterThanOrEqual(size, payload)
        XCTAssertLessThan(size, payload + 1024, "a header of well under 1 KB")
        XCTAssertEqual(try CompactNetwork.read(from: url).model, model)
    }

    func testDamagedFilesAreClearErrors() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("net.safetensors")
        let model = MLP(weights: [Matrix(rows: 5, cols: 3, data: [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0]), Matrix(rows: 3, cols: 2, repeating: 1)])
        try CompactNetwork.write(model, to: url)
        let whole = try Data(contentsOf: url)
        let file = try SafetensorsFile(url: url)
        let mask = try XCTUnwrap(file.tensors["layers.0.mask"])

        func problem(_ bytes: Data) throws -> String {
            let damaged = folder.appendingPathComponent("damaged-\(UUID().uuidString).safetensors")
            try bytes.write(to: damaged)
            do {
                _ = try CompactNetwork.read(from: damaged)
                XCTFail("read a damaged file")
                return ""
            } catch let error as DataFileError {
                XCTAssertEqual(error.path, damaged.path)
                return error.problem
            }
        }
        for length in [0, 5, 8, 40, whole.count - 1] {
            XCTAssertFalse(try problem(whole.prefix(length)).isEmpty, "truncated to \(length) bytes")
        }
        var extraBit = whole
        extraBit[file.dataStart + mask.range.lowerBound] |= 0b0000_0001
        XCTAssertEqual(try problem(extraBit), "layer 0's mask marks 8 weights but layers.0.values holds 7")
        var beyond = whole
        beyond[file.dataStart + mask.range.upperBound - 1] |= 0b1000_0000
        XCTAssertEqual(try problem(beyond), "layer 0's mask marks 8 weights but layers.0.values holds 7")

        try SafetensorsFile.write([("layers.0.mask", [1], .u8([0x80])), ("layers.0.values", [1], .f32([1]))],
                                  metadata: ["compact_layer_sizes": "1,7"], to: url)
        XCTAssertEqual(try problem(Data(contentsOf: url)), "layer 0's mask has bits set beyond its 7 weights")
        try SafetensorsFile.write([("layers.0.mask", [2], .u8([1, 0])), ("layers.0.values", [1], .f32([1]))],
                                  metadata: ["compact_layer_sizes": "1,7"], to: url)
        XCTAssertEqual(try problem(Data(contentsOf: url)), "tensor layers.0.mask is U8 [2], not U8 [1] (one bit per weight)")
        try Safetensors.write(model, to: url)
        XCTAssertEqual(try problem(Data(contentsOf: url)), "is not a compact network (no compact_layer_sizes in its metadata)")
        try SafetensorsFile.write([], metadata: ["compact_layer_sizes": "5,x"], to: url)
        XCTAssertEqual(try problem(Data(contentsOf: url)), "has compact_layer_sizes \"5,x\", not two or more positive sizes")
        try SafetensorsFile.write([], metadata: ["compact_layer_sizes": "100000,100000"], to: url)
        XCTAssertEqual(try problem(Data(contentsOf: url)), "has neither layers.0.weight nor layers.0.mask with layers.0.values")
    }
}
