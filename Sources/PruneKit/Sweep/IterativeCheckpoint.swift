import Foundation

/// The network an iterative line reached at its latest step, kept so a resumed sweep goes on
/// from there instead of replaying every earlier step. Two files: the network in the original
/// shape (pruned weights and removed units at zero) with the step in its metadata, and, for
/// weight methods, the masks as a network of 0/1 weights (a surviving weight may train to
/// exactly zero, so the zeros of the network do not say which weights are masked).
struct IterativeCheckpoint {
    let url: URL
    var maskURL: URL { url.deletingPathExtension().appendingPathExtension("mask.safetensors") }

    init(folder: URL, method: PruningMethod, layer: Int?, repeatIndex: Int) {
        let layerPart = layer.map { "-layer-\($0)" } ?? ""
        url = folder.appendingPathComponent("step-\(method.rawValue)\(layerPart)-repeat-\(repeatIndex).safetensors")
    }

    /// What a step produced: its network, its evaluation before its own training, and how long that took.
    struct Step {
        var network: PrunedNetwork
        var beforeTraining: Evaluation?
        var trainSeconds: Double
    }

    func write(_ produced: Step, step: Int) throws {
        let network = produced.network
        var metadata = ["producer": "prunelab", "step": String(step), "target_sparsity": "\(network.targetSparsity)",
                        "train_seconds": "\(produced.trainSeconds)"]
        if let before = produced.beforeTraining {
            metadata["accuracy_before"] = "\(before.accuracy)"
            metadata["loss_before"] = "\(before.loss)"
        }
        if network.method.removesUnits {
            metadata["kept_units"] = network.keptUnits.map { $0.map(String.init).joined(separator: ",") }.joined(separator: ";")
        } else {
            let masks = network.masks ?? WeightMasks(layers: network.model.weights.map { _ in nil })
            metadata["masked_layers"] = masks.layers.indices.filter { masks.layers[$0] != nil }.map(String.init).joined(separator: ",")
            let shapes = network.model.weights
            let asNetwork = MLP(weights: zip(masks.layers, shapes).map { $0 ?? Matrix(rows: $1.rows, cols: $1.cols, repeating: 1) })
            try Safetensors.write(asNetwork, to: maskURL, metadata: ["producer": "prunelab", "step": String(step)])
        }
        // The step goes last: a checkpoint counts only once its masks are on disk.
        try Safetensors.write(network.expandedModel(), to: url, metadata: metadata)
    }

    /// What `step` produced when the checkpoint holds that step (nil: absent, or another step).
    func read(step: Int, method: PruningMethod, sparsity: Double, layerSizes: [Int]) throws -> Step? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let metadata = try Safetensors.metadata(of: url)
        guard metadata["step"] == String(step), let network = try network(metadata, step: step, method: method, sparsity: sparsity,
                                                                         layerSizes: layerSizes) else { return nil }
        var before: Evaluation?
        if let accuracy = metadata["accuracy_before"].flatMap(Double.init), let loss = metadata["loss_before"].flatMap(Double.init) {
            before = Evaluation(accuracy: accuracy, loss: loss)
        }
        return Step(network: network, beforeTraining: before, trainSeconds: metadata["train_seconds"].flatMap(Double.init) ?? 0)
    }

    private func network(_ metadata: [String: String], step: Int, method: PruningMethod, sparsity: Double,
                         layerSizes: [Int]) throws -> PrunedNetwork? {
        guard metadata["target_sparsity"] == "\(sparsity)" else { return nil }
        let model = try Safetensors.read(from: url)
        guard model.layerSizes == layerSizes else { return nil }
        if method.removesUnits {
            let text = metadata["kept_units"] ?? ""
            let kept = text.split(separator: ";", omittingEmptySubsequences: false).map { layer in
                layer.split(separator: ",").compactMap { Int($0) }
            }
            guard kept.count == layerSizes.count - 2 else { return nil }
            return Pruner.shrunkNetwork(model, method: method, sparsity: sparsity, keptUnits: kept)
        }
        guard FileManager.default.fileExists(atPath: maskURL.path),
              try Safetensors.metadata(of: maskURL)["step"] == String(step) else { return nil }
        let maskNetwork = try Safetensors.read(from: maskURL)
        guard maskNetwork.layerSizes == layerSizes else { return nil }
        let masked = Set((metadata["masked_layers"] ?? "").split(separator: ",").compactMap { Int($0) })
        let removed = maskNetwork.weights.enumerated().map { l, mask -> [Int]? in
            masked.contains(l) ? mask.data.indices.filter { mask.data[$0] == 0 } : nil
        }
        return Pruner.maskedNetwork(model, method: method, sparsity: sparsity, removed: removed)
    }
}
