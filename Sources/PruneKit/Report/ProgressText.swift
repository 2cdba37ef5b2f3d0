import Foundation

/// Human-readable progress for the command line: one line per snapshot, or a bar for terminals.
package enum ProgressText {
    /// E.g. "training epoch 2/5 step 310/938, 4120 samples/s | 23% | ETA 1m 23s".
    package static func line(_ p: SweepProgress) -> String {
        var text = "\(activity(p)) | \(percent(p))"
        if let eta = p.etaSeconds { text += " | ETA \(duration(eta))" }
        return text
    }

    /// A bar of `width` cells, the fraction and ETA first (they survive when a narrow terminal
    /// cuts the line), then the activity: "[#####-----] 50% ETA 12s  training ...".
    package static func bar(_ p: SweepProgress, width: Int = 24) -> String {
        let filled = min(width, max(0, Int((p.fraction * Double(width)).rounded(.down))))
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] " + percent(p)
        if let eta = p.etaSeconds { text += " ETA \(duration(eta))" }
        return text + "  " + activity(p)
    }

    private static func percent(_ p: SweepProgress) -> String { "\(Int((p.fraction * 100).rounded(.down)))%" }

    /// What the sweep is doing: phase, point or epoch and step, throughput.
    static func activity(_ p: SweepProgress) -> String {
        var what = p.phase.rawValue
        if let level = p.level, let levels = p.levels, p.phase != .training, p.phase != .loading, p.phase != .reporting {
            what += " point \(level)/\(levels)"
            if let method = p.method, let sparsity = p.sparsity {
                what += " (\(method.rawValue) \(ResultsCSV.number(sparsity))%\(p.repeatIndex.map { ", repeat \($0)" } ?? ""))"
            }
        } else if p.phase == .training, let r = p.repeatIndex {
            what += " repeat \(r)"
        }
        if let epoch = p.epoch, let epochs = p.epochs {
            what += " epoch \(epoch)/\(epochs)"
            if let step = p.step, let steps = p.stepsPerEpoch { what += " step \(step)/\(steps)" }
        }
        if let rate = p.samplesPerSecond, p.phase == .training || p.phase == .fineTuning {
            what += String(format: ", %.0f samples/s", rate)
        }
        return what
    }

    /// "45s", "3m 07s", "1h 02m".
    package static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm %02ds", s / 60, s % 60) }
        return String(format: "%dh %02dm", s / 3600, (s % 3600) / 60)
    }
}

/// The short table `prunelab run` prints at the end: one line per (method, variant, layer,
/// sparsity); a control or a single pruned layer shows after the method's name.
package enum ResultsTable {
    package static func text(_ summary: [SummaryRow], baseline: Evaluation? = nil) -> String {
        var lines: [[String]] = [["method", "sparsity", "achieved", "accuracy", "loss", "nonzero", "pruned/dense time", "kernel"]]
        if let baseline {
            lines.append(["unpruned", "-", "-", String(format: "%.2f%%", baseline.accuracy * 100), String(format: "%.4f", baseline.loss), "-", "-", "-"])
        }
        for s in summary {
            var accuracy = String(format: "%.2f%%", s.accuracy.mean * 100)
            if s.repeats > 1 { accuracy += String(format: " ± %.2f", s.accuracy.std * 100) }
            var what = s.method.rawValue
            if s.variant != .pruned { what += " " + s.variant.rawValue }
            if let layer = s.layer { what += " layer \(layer)" }
            lines.append([
                what, ResultsCSV.number(s.targetSparsity) + "%", String(format: "%.1f%%", s.achievedSparsity.mean * 100),
                accuracy, String(format: "%.4f", s.loss.mean), String(Int(s.nonzeroParameters.mean.rounded())),
                String(format: "%.1f / %.1f ms", s.prunedSeconds.mean * 1000, s.denseSeconds.mean * 1000), s.kernels,
            ])
        }
        let widths = lines[0].indices.map { c in lines.map { $0[c].count }.max() ?? 0 }
        return lines.map { row in
            row.enumerated().map { c, cell in
                // Text columns left-aligned, numbers right-aligned.
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 || c == row.count - 1 ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
