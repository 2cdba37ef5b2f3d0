import Foundation

/// One of the speed issue's targets (issue 15), checked against a bench run's own figures.
/// Targets are ratios or limits measured in this one run, never absolute times from elsewhere.
package struct BenchmarkTarget: Encodable, Sendable, Equatable {
    /// Whether a figure must reach the target from below (a speed-up) or stay under it (a time, a size).
    package enum Direction: String, Encodable, Sendable {
        case atLeast = "at_least", atMost = "at_most"
    }

    package var name: String
    package var measured: Double
    package var target: Double
    package var direction: Direction
    package var unit: String

    /// The figure meets the target.
    package var met: Bool { direction == .atLeast ? measured >= target : measured <= target }

    /// `measured / target` for an at-least target and `target / measured` for an at-most one, so that
    /// 1 or more always means met and the number says by how much.
    package var ratio: Double { direction == .atLeast ? measured / target : target / measured }

    enum CodingKeys: String, CodingKey {
        case name, measured, target, direction, unit, met, ratio
    }

    /// The figures with `met` and `ratio`, for `--json` (targets are derived from a report, never read back).
    package func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(measured, forKey: .measured)
        try container.encode(target, forKey: .target)
        try container.encode(direction, forKey: .direction)
        try container.encode(unit, forKey: .unit)
        try container.encode(met, forKey: .met)
        try container.encode(ratio, forKey: .ratio)
    }
}

extension BenchmarkReport {
    /// The targets that this run's figures can be checked against. The reference network's
    /// targets apply only when the bench ran it; the TensorFlow ratio only with `--vs-tensorflow`.
    package var targets: [BenchmarkTarget] {
        var targets = [BenchmarkTarget]()
        let reference = inference.layerSizes == Benchmark.referenceLayerSizes
        if reference {
            if let training {
                targets.append(BenchmarkTarget(name: "training, batch \(training.batchSize), of SGEMM", measured: training.fractionOfSGEMM,
                                               target: 0.75, direction: .atLeast, unit: "x"))
            }
            if let csr90 = inference.weightPruning.first(where: { $0.sparsity == 90 }), let csr = csr90.csrSeconds {
                targets.append(BenchmarkTarget(name: "CSR at 90% weight sparsity, of ideal", measured: csr90.denseSeconds / csr / csr90.idealSpeedup,
                                               target: 0.8, direction: .atLeast, unit: "x"))
            }
            if let weight99 = inference.weightPruning.first(where: { $0.sparsity == 99 }) {
                targets.append(BenchmarkTarget(name: "weight pruning at 99%, speed-up", measured: weight99.speedup,
                                               target: 50, direction: .atLeast, unit: "x"))
            }
            if let unit99 = inference.unitPruning.first(where: { $0.sparsity == 99 }) {
                targets.append(BenchmarkTarget(name: "unit pruning at 99%, speed-up", measured: unit99.speedup,
                                               target: 80, direction: .atLeast, unit: "x"))
            }
        }
        if let sweep, let wall = sweep.wallSeconds, let rss = sweep.peakResidentMegabytes, sweep.isDefault {
            if reference {
                targets.append(BenchmarkTarget(name: "default sweep, wall", measured: wall, target: 50, direction: .atMost, unit: "s"))
                targets.append(BenchmarkTarget(name: "default sweep, peak resident memory", measured: rss, target: 300,
                                               direction: .atMost, unit: "MB"))
                if let points = sweep.pointsWallSeconds {
                    targets.append(BenchmarkTarget(name: "default sweep's 20 points (resumed after training)", measured: points,
                                                   target: 10, direction: .atMost, unit: "s"))
                }
            }
            if let tensorflow, let tensorflowWall = tensorflow.wallSeconds {
                // The two ratios: the reference sweep and the iterative LeNet-300-100 sweep.
                targets.append(BenchmarkTarget(name: "sweep, TensorFlow's wall / PruneLab's", measured: tensorflowWall / wall,
                                               target: reference ? 2.4 : 10, direction: .atLeast, unit: "x"))
            }
        }
        return targets
    }
}
