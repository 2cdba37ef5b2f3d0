import ArgumentParser
import Foundation
import PruneKit

extension PointVariant: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one pruned point of a sweep folder as a PyTorch nn.Sequential safetensors file.",
        discussion: """
            Tensors 0.weight [out, in], 0.bias, 2.weight, ..., which torch's load_state_dict takes as \
            they are: weight methods keep the full shapes with pruned weights exactly zero, unit methods \
            give the shrunk network. One-shot points without fine-tuning are rebuilt from the checkpoint; \
            every other point (fine-tuned, iterative steps, gradual, at-init, controls) is read back from \
            the network the sweep kept in FOLDER/points/. Either way it must reproduce the recorded accuracy.
            """)

    @Argument(help: "The sweep's output folder (holding spec.json, results.csv and the checkpoints).")
    var folder: String

    @Option(help: "The point: METHOD:SPARSITY[:REPEAT], e.g. weight:90 or unit:50:1.")
    var point: String

    @Option(help: "pruned (default), or a control's variant.")
    var variant: PointVariant = .pruned

    @Option(help: "Each-layer scope: the 0-based layer the point pruned alone.")
    var layer: Int?

    @Option(help: "safetensors (dense tensors) or csr (row_ptr, col_idx, values per layer).")
    var format: ExportFormat = .safetensors

    @Flag(help: "Add N.weight_mask tensors (1 kept, 0 pruned), as torch.nn.utils.prune names them (weight methods).")
    var withMasks = false

    @Option(name: .shortAndLong, help: "The file to write (default: FOLDER/export-METHOD-SPARSITY.safetensors).")
    var output: String?

    func run() throws {
        if let layer, layer < 0 {
            standardError("prunelab export: --layer must be a layer index 0 or above, got \(layer)\n")
            throw ExitCode(2)
        }
        guard let selector = PointSelector(point, variant: variant, layer: layer) else {
            standardError("prunelab export: --point must be METHOD:SPARSITY[:REPEAT] with a method of \(PruningMethod.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(point)\"\n")
            throw ExitCode(2)
        }
        let folderURL = URL(fileURLWithPath: folder, isDirectory: true)
        let name = "export-\(selector.method.rawValue)-\(PointExport.sparsityText(selector.sparsity))\(layer.map { "-layer-\($0)" } ?? "")\(selector.repeatIndex > 0 ? "-repeat-\(selector.repeatIndex)" : "")\(variant == .pruned ? "" : "-\(variant.rawValue)")\(format == .csr ? "-csr" : "").safetensors"
        let url = output.map { URL(fileURLWithPath: $0) } ?? folderURL.appendingPathComponent(name)
        do {
            let exported = try PointExport.write(folder: folderURL, point: selector, to: url, masks: withMasks, format: format)
            print("\(url.path): \(selector.text), accuracy \(exported.row.accuracy), \(exported.row.nonzeroParameters) of \(exported.row.totalParameters) parameters nonzero, layers \(exported.model.layerSizes.map(String.init).joined(separator: "-")) (\(exported.source.rawValue))")
        } catch {
            standardError("prunelab export: \(error)\n")
            throw ExitCode(1)
        }
    }
}
