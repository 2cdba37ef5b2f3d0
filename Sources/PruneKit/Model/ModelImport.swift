import Foundation

/// How an imported file names and lays out its layers.
public enum ImportLayout: String, Sendable {
    /// PyTorch `nn.Sequential` of `nn.Linear`: `0.weight` [out, in], `0.bias`, `2.weight`, ...
    case pytorchSequential = "PyTorch nn.Sequential"
    /// `NAME.weight` [out, in] and `NAME.bias` for names given in order (`fc1`, `fc2`, ...).
    case named = "named layers"
    /// PruneLab's own checkpoints: `layers.N.weight` [in, out].
    case prunelab = "PruneLab"
}

/// One dense layer of an imported file: its tensors and sizes.
public struct ImportedLayer: Sendable, Equatable {
    /// The layer's weight tensor as stored in the file, not yet converted.
    public let weight: SafetensorsFile.Tensor
    /// The layer's bias tensor, nil when the file has none.
    public let bias: SafetensorsFile.Tensor?
    /// Inputs of the layer (the previous layer's outputs).
    public let inputs: Int
    /// Outputs (units) of the layer.
    public let outputs: Int
}

/// An imported network's layers, known from the header alone.
public struct ImportedArchitecture: Sendable, Equatable {
    /// How the file names and lays out its layers.
    public let layout: ImportLayout
    /// The layers in order, input first.
    public let layers: [ImportedLayer]

    /// `[inputs, hidden..., outputs]`.
    public var layerSizes: [Int] { [layers[0].inputs] + layers.map(\.outputs) }
    /// Whether the layers have biases (decided by the first; import requires all or none).
    public var hasBias: Bool { layers[0].bias != nil }
    /// "tensor \"0.weight\" [300, 784]": how errors name a layer's weight.
    public func describe(_ layer: Int) -> String {
        "tensor \"\(layers[layer].weight.name)\" \(layers[layer].weight.shape)"
    }
}

/// Reads trained MLPs from safetensors files written by PyTorch (`nn.Sequential`, or named
/// layers) or PruneLab. Every mismatch names the tensor and the shapes.
public enum ModelImport {
    /// The network's layers from the file's header (no weights are read).
    public static func architecture(of file: SafetensorsFile, layers names: [String]?) throws -> ImportedArchitecture {
        func fail(_ problem: String) -> DataFileError { DataFileError(path: file.url.path, problem: problem) }
        let all = file.tensors
        let listing = all.keys.sorted().prefix(12).joined(separator: ", ") + (all.count > 12 ? ", ..." : "")
        let layout: ImportLayout
        let prefixes: [String]
        if let names {
            layout = .named
            prefixes = names
        } else if all["layers.0.weight"] != nil {
            layout = .prunelab
            prefixes = (0..<all.count).map { "layers.\($0)" }.prefix { all[$0 + ".weight"] != nil }
        } else {
            layout = .pytorchSequential
            prefixes = all.keys.compactMap { name -> Int? in
                guard name.hasSuffix(".weight") else { return nil }
                return Int(name.dropLast(".weight".count))
            }.sorted().map(String.init)
            guard !prefixes.isEmpty else {
                throw fail("holds neither PyTorch nn.Sequential tensors (0.weight, 2.weight, ...) nor PruneLab's (layers.0.weight); name its layers with /model/layers (its tensors: \(listing.isEmpty ? "none" : listing))")
            }
        }
        var layers: [ImportedLayer] = []
        var used: Set<String> = []
        for prefix in prefixes {
            let weightName = prefix + ".weight"
            guard let weight = all[weightName] else {
                throw fail("holds no tensor \"\(weightName)\" (named in /model/layers); its tensors are \(listing)")
            }
            for tensor in [weight, all[prefix + ".bias"]].compactMap({ $0 }) where !tensor.dtype.isFloat {
                throw fail("tensor \"\(tensor.name)\" has dtype \(tensor.dtype.rawValue); a network's weights must be F32, F16 or BF16")
            }
            guard weight.shape.count == 2 else {
                throw fail("tensor \"\(weightName)\" has shape \(weight.shape); a dense layer's weight has 2 dimensions (\(layout == .prunelab ? "[in, out]" : "[out, in]"))")
            }
            let (inputs, outputs) = layout == .prunelab ? (weight.shape[0], weight.shape[1]) : (weight.shape[1], weight.shape[0])
            guard inputs > 0, outputs > 0 else { throw fail("tensor \"\(weightName)\" has shape \(weight.shape), with no weights") }
            if let previous = layers.last, previous.outputs != inputs {
                throw fail("tensor \"\(weightName)\" has shape \(weight.shape), taking \(inputs) inputs, but tensor \"\(previous.weight.name)\" \(previous.weight.shape) gives \(previous.outputs) outputs")
            }
            let bias = all[prefix + ".bias"]
            if let bias, bias.shape != [outputs] {
                throw fail("tensor \"\(bias.name)\" has shape \(bias.shape); \"\(weightName)\" \(weight.shape) needs a bias of shape [\(outputs)]")
            }
            used.insert(weightName)
            if let bias { used.insert(bias.name) }
            // The masks an export adds (torch.nn.utils.prune's names) are not part of the network.
            if all[prefix + ".weight_mask"] != nil { used.insert(prefix + ".weight_mask") }
            layers.append(ImportedLayer(weight: weight, bias: bias, inputs: inputs, outputs: outputs))
        }
        if let withBias = layers.first(where: { $0.bias != nil }), let without = layers.first(where: { $0.bias == nil }) {
            throw fail("has a bias \"\(withBias.bias!.name)\" but no \"\(without.weight.name.dropLast("weight".count))bias\"; PruneLab's layers have biases in all layers or none")
        }
        if let stray = all.keys.sorted().first(where: { !used.contains($0) }) {
            throw fail("holds tensor \"\(stray)\" \(all[stray]!.shape), which is not a layer of the \(layout.rawValue) network of \(layers.count) layers it was read as\(names == nil ? "; name the layers with /model/layers" : "")")
        }
        return ImportedArchitecture(layout: layout, layers: layers)
    }

    /// The network's layers from the file's header.
    public static func architecture(at url: URL, layers names: [String]?) throws -> ImportedArchitecture {
        try architecture(of: SafetensorsFile(url: url), layers: names)
    }

    /// The network, its weights converted to F32 and to PruneLab's [in, out] layout.
    public static func read(at url: URL, layers names: [String]?) throws -> MLP {
        let file = try SafetensorsFile(url: url)
        let architecture = try architecture(of: file, layers: names)
        var weights: [Matrix] = []
        var biases: [[Float]] = []
        for layer in architecture.layers {
            let values = try file.floats(layer.weight)
            if architecture.layout == .prunelab {
                weights.append(Matrix(rows: layer.inputs, cols: layer.outputs, data: values))
            } else {
                // [out, in] row-major to [in, out].
                var transposed = [Float](repeating: 0, count: values.count)
                for o in 0..<layer.outputs {
                    for i in 0..<layer.inputs { transposed[i * layer.outputs + o] = values[o * layer.inputs + i] }
                }
                weights.append(Matrix(rows: layer.inputs, cols: layer.outputs, data: transposed))
            }
            if let bias = layer.bias { biases.append(try file.floats(bias)) }
        }
        return MLP(weights: weights, biases: biases)
    }
}
