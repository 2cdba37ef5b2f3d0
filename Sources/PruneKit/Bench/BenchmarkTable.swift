import Foundation

extension BenchmarkReport {
    /// The report as the plain-text table `prunelab bench` prints.
    public var table: String {
        var lines = [String]()
        let shape = training.layerSizes.map(String.init).joined(separator: "-")
        lines.append("PruneLab bench (\(cores) cores)")
        lines.append("")
        lines.append(row("SGEMM 2048x2048x2048 through OpenBLAS", String(format: "%.1f GFLOP/s", sgemmGFLOPS)))
        lines.append("Training \(shape), batch \(training.batchSize), \(training.optimizer)")
        lines.append(row("  throughput", String(format: "%.0f samples/s", training.samplesPerSecond)))
        lines.append(row("  effective rate (\(training.flopsPerWeightPerSample) flops/weight/sample: forward 2, backward 4)",
                         String(format: "%.1f GFLOP/s = %.2f x SGEMM", training.effectiveGFLOPS, training.fractionOfSGEMM)))
        lines.append("")
        lines.append("Inference of \(inference.images) images (\(inference.imageSource)) through \(shape)")
        lines.append("  weights: \(inference.weightSource)")
        lines.append(contentsOf: levelTable("weight pruning", pruned: "CSR ms", inference.weightPruning))
        lines.append(contentsOf: levelTable("unit pruning", pruned: "shrunk ms", inference.unitPruning))
        lines.append("")
        if let sweep {
            if let wall = sweep.wallSeconds, let rss = sweep.peakResidentMegabytes {
                lines.append(row("Default sweep (prunelab run) wall time", String(format: "%.1f s", wall)))
                lines.append(row("Default sweep peak resident memory", String(format: "%.0f MB", rss)))
            } else {
                lines.append("Default sweep: not measured: \(sweep.failure ?? "unknown failure")")
            }
        } else {
            lines.append("Default sweep: skipped (--skip-sweep)")
        }
        return lines.joined(separator: "\n")
    }

    private func row(_ label: String, _ value: String) -> String {
        label.padding(toLength: max(label.count + 2, 62), withPad: " ", startingAt: 0) + value
    }

    private func levelTable(_ title: String, pruned: String, _ levels: [LevelTiming]) -> [String] {
        var lines = ["  " + title]
        lines.append(String(format: "    %8@ %9@ %10@ %10@ %8@ %8@  %@", "target" as NSString, "achieved" as NSString,
                            "dense ms" as NSString, pruned as NSString, "speedup" as NSString, "ideal" as NSString,
                            "picked" as NSString))
        for level in levels {
            lines.append(String(format: "    %7.0f%% %8.1f%% %10.2f %10.2f %7.2fx %7.2fx  %@",
                                level.sparsity, level.achievedSparsity * 100, level.denseSeconds * 1000,
                                level.prunedSeconds * 1000, level.speedup, level.idealSpeedup, level.kernel as NSString))
        }
        return lines
    }
}
