import Foundation

/// An MLP in a safetensors file that is small for pruned networks and exact to the bit.
///
/// Each weight matrix (`[inputs, outputs]`, row-major) is stored the smaller of two ways:
/// - dense: `layers.I.weight` F32 `[inputs, outputs]`;
/// - sparse: `layers.I.mask` U8, one bit per weight (least significant bit first, a set bit
///   for every weight whose bit pattern is not +0.0), and `layers.I.values` F32, the weights
///   of the set bits in row-major order.
/// Biases are `layers.I.bias` F32. Zeros are +0.0 bit patterns, so -0.0 and every other
/// value, NaN payloads included, come back exactly. Metadata `compact_layer_sizes` gives the
/// shapes; the caller's metadata is kept beside it.
public enum CompactNetwork {
    /// The metadata key that marks a compact file and gives its layer sizes.
    static let layerSizesKey = "compact_layer_sizes"

    /// How one layer's weights are encoded.
    enum Encoding: Equatable {
        case dense
        case sparse(kept: Int)
    }

    /// The cheaper encoding for `count` weights of which `kept` are not +0.0.
    static func encoding(count: Int, kept: Int) -> Encoding {
        let sparseBytes = (count + 7) / 8 + 4 * kept
        return sparseBytes < 4 * count ? .sparse(kept: kept) : .dense
    }

    /// The tensors of `model` in the compact layout.
    static func tensors(_ model: MLP) -> [(name: String, shape: [Int], values: SafetensorsFile.Values)] {
        var tensors: [(name: String, shape: [Int], values: SafetensorsFile.Values)] = []
        for (i, w) in model.weights.enumerated() {
            let kept = w.data.reduce(0) { $0 + ($1.bitPattern == 0 ? 0 : 1) }
            switch encoding(count: w.count, kept: kept) {
            case .dense:
                tensors.append(("layers.\(i).weight", [w.rows, w.cols], .f32(w.data)))
            case .sparse(let kept):
                var mask = [UInt8](repeating: 0, count: (w.count + 7) / 8)
                var values: [Float] = []
                values.reserveCapacity(kept)
                for (j, v) in w.data.enumerated() where v.bitPattern != 0 {
                    mask[j >> 3] |= 1 << UInt8(j & 7)
                    values.append(v)
                }
                tensors.append(("layers.\(i).mask", [mask.count], .u8(mask)))
                tensors.append(("layers.\(i).values", [values.count], .f32(values)))
            }
            if model.hasBias { tensors.append(("layers.\(i).bias", [w.cols], .f32(model.biases[i]))) }
        }
        return tensors
    }

    /// Writes `model` compactly to `url`, atomically (temporary file, then rename).
    public static func write(_ model: MLP, to url: URL, metadata: [String: String] = [:]) throws {
        var info = metadata
        info["producer"] = "prunelab"
        info[layerSizesKey] = model.layerSizes.map(String.init).joined(separator: ",")
        info["compact_bias"] = model.hasBias ? "true" : "false"
        try SafetensorsFile.write(tensors(model), metadata: info, to: url)
    }

    /// Reads a file `write` made: the network and the file's metadata. A truncated, altered or
    /// foreign file is an error naming the file and what is wrong with it.
    public static func read(from url: URL) throws -> (model: MLP, metadata: [String: String]) {
        let file = try SafetensorsFile(url: url)
        func fail(_ problem: String) -> DataFileError { DataFileError(path: url.path, problem: problem) }
        guard let sizesText = file.metadata[layerSizesKey] else {
            throw fail("is not a compact network (no \(layerSizesKey) in its metadata)")
        }
        let sizes = sizesText.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard sizes.count >= 2, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw fail("has \(layerSizesKey) \"\(sizesText)\", not two or more positive sizes")
        }
        let layerSizes = sizes.compactMap { $0 }
        let hasBias = file.metadata["compact_bias"] == "true"
        var weights: [Matrix] = [], biases: [[Float]] = []
        for i in 0..<(layerSizes.count - 1) {
            let rows = layerSizes[i], cols = layerSizes[i + 1]
            let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
            guard !overflow else { throw fail("layer \(i) of \(rows) x \(cols) weights is too large") }
            weights.append(Matrix(rows: rows, cols: cols, data: try layer(i, count: count, in: file, fail: fail)))
            if hasBias {
                guard let tensor = file.tensors["layers.\(i).bias"], tensor.dtype == .f32, tensor.shape == [cols] else {
                    throw fail("has no F32 tensor layers.\(i).bias of shape [\(cols)]")
                }
                biases.append(try file.floats(tensor))
            }
        }
        return (MLP(weights: weights, biases: biases), file.metadata)
    }

    /// Layer `i`'s `count` weights, dense or from its mask and kept values.
    private static func layer(_ i: Int, count: Int, in file: SafetensorsFile, fail: (String) -> DataFileError) throws -> [Float] {
        if let dense = file.tensors["layers.\(i).weight"] {
            guard dense.dtype == .f32, dense.shape.reduce(1, *) == count else {
                throw fail("tensor layers.\(i).weight is \(dense.dtype.rawValue) \(dense.shape), not F32 with \(count) weights")
            }
            return try file.floats(dense)
        }
        guard let maskTensor = file.tensors["layers.\(i).mask"], let valuesTensor = file.tensors["layers.\(i).values"] else {
            throw fail("has neither layers.\(i).weight nor layers.\(i).mask with layers.\(i).values")
        }
        let maskBytes = (count + 7) / 8
        guard maskTensor.dtype == .u8, maskTensor.shape == [maskBytes] else {
            throw fail("tensor layers.\(i).mask is \(maskTensor.dtype.rawValue) \(maskTensor.shape), not U8 [\(maskBytes)] (one bit per weight)")
        }
        guard valuesTensor.dtype == .f32, valuesTensor.shape.count == 1 else {
            throw fail("tensor layers.\(i).values is \(valuesTensor.dtype.rawValue) \(valuesTensor.shape), not a list of F32")
        }
        let mask = [UInt8](try file.bytes(maskTensor))
        let kept = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        guard kept == valuesTensor.shape[0] else {
            throw fail("layer \(i)'s mask marks \(kept) weights but layers.\(i).values holds \(valuesTensor.shape[0])")
        }
        if count % 8 != 0, mask[maskBytes - 1] >> UInt8(count % 8) != 0 {
            throw fail("layer \(i)'s mask has bits set beyond its \(count) weights")
        }
        let values = try file.floats(valuesTensor)
        var data = [Float](repeating: 0, count: count)
        var next = 0
        for j in 0..<count where mask[j >> 3] & (1 << UInt8(j & 7)) != 0 {
            data[j] = values[next]
            next += 1
        }
        return data
    }
}
