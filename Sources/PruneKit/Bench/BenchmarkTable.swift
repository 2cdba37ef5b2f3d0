import Foundation

extension BenchmarkReport {
    /// The report as the plain-text table `prunelab bench` prints.
    package var table: String {
        var lines = [String]()
        let shape = inference.layerSizes.map(String.init).joined(separator: "-")
        lines.append("PruneLab bench (\(cores) cores\(cpu.map { ", " + $0 } ?? ""))")
        lines.append("kernels: OpenBLAS \(blasKernel), one thread per core; sparse layer and Adam built for \(kernelInstructionSet)")
        lines.append("")
        if let sgemmGFLOPS, let training {
            lines.append(row("SGEMM 2048x2048x2048 through OpenBLAS", String(format: "%.1f GFLOP/s", sgemmGFLOPS)))
            lines.append("Training \(shape), batch \(training.batchSize), \(training.optimizer)")
            lines.append(row("  throughput (median of rounds alternating with SGEMM)", String(format: "%.0f samples/s", training.samplesPerSecond)))
            lines.append(row("  effective (\(training.flopsPerWeightPerSample) flops/weight/sample: fwd 2, bwd 4)",
                             String(format: "%.1f GFLOP/s = %.2f x SGEMM", training.effectiveGFLOPS, training.fractionOfSGEMM)))
            lines.append(row("  fastest rounds: whole steps", String(format: "%.0f samples/s", training.fastestStepSamplesPerSecond)))
            lines.append(row("  fastest rounds: forward + backward alone (no update)", String(format: "%.0f samples/s", training.passesSamplesPerSecond)))
            lines.append(row("  Adam update's share of a step (fastest rounds)", String(format: "%.0f%%", training.optimizerShareOfStep * 100)))
        } else {
            lines.append("SGEMM and training: skipped (--inference-only)")
        }
        lines.append("")
        lines.append("Inference of \(inference.images) images (\(inference.imageSource)) through \(shape)")
        lines.append("  weights: \(inference.weightSource)")
        lines.append(contentsOf: levelTable("weight pruning", pruned: "CSR ms", inference.weightPruning))
        lines.append(contentsOf: levelTable("unit pruning", pruned: "shrunk ms", inference.unitPruning))
        if let fastest = inference.sparseKernelBuilds.first {
            lines.append(String(format: "  CSR kernel by instruction set, %.0f%% weight sparsity", fastest.sparsity))
            for build in inference.sparseKernelBuilds {
                lines.append(row("    \(build.instructionSet)", String(format: "%.2f ms = %.2f x the fastest", build.seconds * 1000,
                                                                     build.seconds / fastest.seconds)))
            }
        }
        lines.append("")
        if let sweep {
            lines.append("Sweep: \(sweep.command.joined(separator: " "))")
            if let wall = sweep.wallSeconds, let rss = sweep.peakResidentMegabytes {
                lines.append(row("  wall time", String(format: "%.1f s", wall)))
                lines.append(row("  peak resident memory", String(format: "%.0f MB", rss)))
                if let points = sweep.pointsWallSeconds {
                    lines.append(row("  resumed after its training (loading, points, reports)", String(format: "%.1f s", points)))
                }
            } else {
                lines.append("  not measured: \(sweep.failure ?? "unknown failure")")
            }
        } else {
            lines.append("Sweep: skipped (--skip-sweep or --inference-only)")
        }
        if let tensorflow {
            lines.append("The same sweep in TensorFlow\(tensorflow.version.map { " \($0)" } ?? ""): \(tensorflow.command.joined(separator: " "))")
            if let wall = tensorflow.wallSeconds {
                lines.append(row("  wall time", String(format: "%.1f s", wall)))
                if let rss = tensorflow.peakResidentMegabytes {
                    lines.append(row("  peak resident memory", String(format: "%.0f MB", rss)))
                }
            } else {
                lines.append("  not measured: \(tensorflow.failure ?? "unknown failure")")
            }
        }
        let targets = targets
        if !targets.isEmpty {
            lines.append("")
            lines.append("Targets (issue 15), from this run's figures")
            for target in targets {
                let bound = target.direction == .atLeast ? ">=" : "<="
                let figure = "\(String(format: "%.2f", target.measured)) \(target.unit) (target \(bound) \(formatNumber(target.target)) \(target.unit))"
                lines.append(row("  \(target.name)", "\(figure): \(String(format: "%.2f", target.ratio)) of target, \(target.met ? "met" : "NOT met")"))
            }
        }
        return lines.joined(separator: "\n")
    }

    private func row(_ label: String, _ value: String) -> String {
        label.padding(toLength: max(label.count + 2, 62), withPad: " ", startingAt: 0) + value
    }

    private func levelTable(_ title: String, pruned: String, _ levels: [LevelTiming]) -> [String] {
        let header = ["target", "achieved", "dense ms", pruned, "speedup", "ideal", "picked"]
        let rows = levels.map { level in
            [String(format: "%.0f%%", level.sparsity), String(format: "%.1f%%", level.achievedSparsity * 100),
             String(format: "%.2f", level.denseSeconds * 1000), String(format: "%.2f", level.prunedSeconds * 1000),
             String(format: "%.2fx", level.speedup), String(format: "%.2fx", level.idealSpeedup), level.kernel]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            "    " + zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }.joined(separator: "  ")
        }
        return ["  " + title, line(header)] + rows.map(line)
    }
}
