import Foundation

/// How a pruned network is written for use outside PruneLab.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// Dense tensors in PyTorch `nn.Sequential` layout, which `load_state_dict` takes as it is.
    case safetensors
    /// Per layer `N.row_ptr`, `N.col_idx` (I64) and `N.values` (F32) of the [out, in] weight in
    /// compressed sparse rows, plus `N.bias`; for users who run sparse kernels themselves.
    case csr
}

/// Writes MLPs in PyTorch's `nn.Sequential(Linear, ReLU, Linear, ...)` layout: layer `i` is
/// module `2 i`, its weight `[out, in]` (PruneLab keeps `[in, out]`).
public enum TorchExport {
    /// The module index of layer `i` in `nn.Sequential` (the ReLUs take the odd ones).
    public static func moduleIndex(_ layer: Int) -> Int { 2 * layer }

    /// A layer's weight as PyTorch stores it, [out, in] row-major.
    static func outByIn(_ w: Matrix) -> [Float] {
        var out = [Float](repeating: 0, count: w.count)
        for i in 0..<w.rows {
            for o in 0..<w.cols { out[o * w.rows + i] = w.data[i * w.cols + o] }
        }
        return out
    }

    /// The tensors of `model`: `N.weight`, `N.bias`, and with `masks` `N.weight_mask` (1 kept,
    /// 0 pruned; the names `torch.nn.utils.prune` uses) for every layer.
    public static func tensors(_ model: MLP, masks: Bool = false, format: ExportFormat = .safetensors)
        -> [(name: String, shape: [Int], values: SafetensorsFile.Values)] {
        var tensors: [(name: String, shape: [Int], values: SafetensorsFile.Values)] = []
        for (i, w) in model.weights.enumerated() {
            let n = moduleIndex(i)
            switch format {
            case .safetensors:
                tensors.append(("\(n).weight", [w.cols, w.rows], .f32(outByIn(w))))
            case .csr:
                let csr = SparseMatrix(transposing: w)
                tensors.append(("\(n).row_ptr", [csr.rowStarts.count], .i64(csr.rowStarts.map(Int64.init))))
                tensors.append(("\(n).col_idx", [csr.columns.count], .i64(csr.columns.map(Int64.init))))
                tensors.append(("\(n).values", [csr.values.count], .f32(csr.values)))
            }
            if model.hasBias { tensors.append(("\(n).bias", [w.cols], .f32(model.biases[i]))) }
            if masks {
                tensors.append(("\(n).weight_mask", [w.cols, w.rows], .f32(outByIn(w).map { $0 == 0 ? 0 : 1 })))
            }
        }
        return tensors
    }

    /// Writes `model` to `url` atomically. Metadata gets the layout, layer sizes and format.
    public static func write(_ model: MLP, to url: URL, masks: Bool = false, format: ExportFormat = .safetensors,
                             metadata: [String: String] = [:]) throws {
        var info = metadata
        info["producer"] = "prunelab"
        info["layout"] = "torch.nn.Sequential(Linear, ReLU, ..., Linear); weights [out, in]"
        info["layer_sizes"] = model.layerSizes.map(String.init).joined(separator: ",")
        info["format"] = format.rawValue
        if format == .csr {
            for (i, w) in model.weights.enumerated() { info["\(moduleIndex(i)).shape"] = "\(w.cols),\(w.rows)" }
        }
        try SafetensorsFile.write(tensors(model, masks: masks, format: format), metadata: info, to: url)
    }
}
