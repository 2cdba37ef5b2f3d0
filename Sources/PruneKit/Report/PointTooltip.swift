import Foundation

extension SummaryRow {
    /// What hovering a chart's point shows: method, target and achieved sparsity, accuracy ±
    /// std, loss, nonzeros, kernel and time, under an optional `heading` (a job's name, a layer).
    func tooltip(heading: String? = nil) -> String {
        var name = MethodStyle.label(method)
        if variant != .pruned { name += " \(variant.rawValue)" }
        if let layer { name += ", layer \(layer) alone" }
        let pct = { (fraction: Double) in String(format: "%.2f%%", fraction * 100) }
        var lines = heading.map { [$0] } ?? []
        lines.append(name)
        lines.append("target sparsity \(formatNumber(targetSparsity))%, achieved \(pct(achievedSparsity.mean))")
        lines.append("accuracy \(pct(accuracy.mean)) ± \(String(format: "%.2f", accuracy.std * 100))"
                     + (repeats > 1 ? " (\(repeats) repeats)" : ""))
        lines.append("loss \(String(format: "%.4f", loss.mean))" + (repeats > 1 ? " ± \(String(format: "%.4f", loss.std))" : ""))
        if let before = accuracyBeforeFinetune {
            lines.append("before fine-tuning: accuracy \(pct(before.mean))" + (lossBeforeFinetune.map { ", loss \(String(format: "%.4f", $0.mean))" } ?? ""))
        }
        lines.append("nonzeros \(WeightsChart.grouped(Int(nonzeroParameters.mean.rounded())))")
        if let ratio = compressionRatio?.mean, ratio.isFinite { lines.append(String(format: "compression %.2f×", ratio)) }
        lines.append("kernel \(kernels)")
        lines.append(String(format: "time %.1f ms (dense %.1f ms, %.2f× faster)", prunedSeconds.mean * 1000, denseSeconds.mean * 1000, speedup))
        return lines.joined(separator: "\n")
    }
}
