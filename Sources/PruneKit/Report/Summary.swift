import Foundation

/// Mean and spread of one quantity over the repeats of a sweep point.
public struct Spread: Equatable, Sendable {
    /// Arithmetic mean of the values.
    public var mean: Double
    /// Sample standard deviation (n - 1 in the denominator); 0 for a single value.
    public var std: Double

    /// A spread with a known mean and standard deviation.
    public init(mean: Double, std: Double) {
        self.mean = mean
        self.std = std
    }

    /// Mean and sample standard deviation of `values`, which must not be empty.
    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a spread needs at least one value")
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        self.init(mean: mean, std: values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0)
    }
}

/// The repeats of one (method, sparsity) pair folded into means and standard deviations:
/// one line of `summary.csv` and one point of each chart.
public struct SummaryRow: Equatable, Sendable {
    /// The criterion that chose what to remove.
    public var method: PruningMethod
    /// The sparsity the spec asked for, in percent (0 ..< 100).
    public var targetSparsity: Double
    /// How many repeats were folded into this row.
    public var repeats: Int
    /// The fraction (0...1) of the original network's weights actually removed.
    public var achievedSparsity: Spread
    /// Test accuracy after pruning (and fine-tuning, when the sweep fine-tunes), 0...1.
    public var accuracy: Spread
    /// Mean test cross-entropy after pruning (and fine-tuning).
    public var loss: Spread
    /// Nil when the sweep did not fine-tune.
    public var accuracyBeforeFinetune: Spread?
    /// Test loss right after pruning, before fine-tuning; nil when the sweep did not fine-tune.
    public var lossBeforeFinetune: Spread?
    /// Parameters left non-zero in the pruned network.
    public var nonzeroParameters: Spread
    /// Seconds to run the test set through the unpruned dense network.
    public var denseSeconds: Spread
    /// Seconds to run the test set through the pruned network with its chosen kernels.
    public var prunedSeconds: Spread
    /// Kernels that ran the pruned network across repeats, e.g. "csr" or "csr;dense".
    public var kernels: String
    /// The pruned network or one of its controls.
    public var variant: PointVariant = .pruned
    /// Each-layer scope: the only layer pruned; nil: all of them.
    public var layer: Int?
    /// Nil where the rows predate the column.
    public var compressionRatio: Spread?
    /// Hidden units left with no incoming or no outgoing weight; nil where the rows predate the column.
    public var deadUnits: Spread?
    /// Per layer, the mean fraction of its weights removed.
    public var layerSparsity: [Double] = []

    /// Mean dense time over mean pruned time: how much faster the pruned network ran.
    public var speedup: Double { denseSeconds.mean / prunedSeconds.mean }

    /// Groups `rows` by every key column but the repeat (method, sparsity, variant, layer),
    /// keeping the order in which each group first appears.
    public static func summarize(_ rows: [ResultRow]) -> [SummaryRow] {
        var order: [SweepPoint] = []
        var groups: [SweepPoint: [ResultRow]] = [:]
        for row in rows {
            var key = row.point
            key.repeatIndex = 0
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        return order.map { key in
            let group = groups[key]!
            func spread(_ value: (ResultRow) -> Double) -> Spread { Spread(group.map(value)) }
            func optionalSpread(_ value: (ResultRow) -> Double?) -> Spread? {
                let values = group.compactMap(value)
                return values.isEmpty ? nil : Spread(values)
            }
            var kernels: [String] = []
            for row in group where !kernels.contains(row.kernel.rawValue) { kernels.append(row.kernel.rawValue) }
            var summary = SummaryRow(
                method: key.method, targetSparsity: key.targetSparsity, repeats: group.count,
                achievedSparsity: spread(\.achievedSparsity), accuracy: spread(\.accuracy), loss: spread(\.loss),
                accuracyBeforeFinetune: optionalSpread(\.accuracyBeforeFinetune),
                lossBeforeFinetune: optionalSpread(\.lossBeforeFinetune),
                nonzeroParameters: spread { Double($0.nonzeroParameters) },
                denseSeconds: spread(\.denseSeconds), prunedSeconds: spread(\.prunedSeconds),
                kernels: kernels.joined(separator: ";"))
            summary.variant = key.variant
            summary.layer = key.layer
            summary.compressionRatio = optionalSpread(\.compressionRatio)
            summary.deadUnits = optionalSpread { $0.deadUnits.map(Double.init) }
            let layers = group.map(\.layerSparsity.count).min() ?? 0
            summary.layerSparsity = (0..<layers).map { l in group.reduce(0) { $0 + $1.layerSparsity[l] } / Double(group.count) }
            return summary
        }
    }
}

/// `summary.csv`: one line per (method, sparsity) with mean and standard deviation over repeats.
public enum SummaryCSV {
    /// The column names, in order (documented in the README).
    public static let header = [
        "method", "target_sparsity", "repeats", "achieved_sparsity_mean",
        "accuracy_mean", "accuracy_std", "loss_mean", "loss_std",
        "accuracy_before_finetune_mean", "accuracy_before_finetune_std",
        "loss_before_finetune_mean", "loss_before_finetune_std",
        "nonzero_parameters_mean", "dense_seconds_mean", "dense_seconds_std",
        "pruned_seconds_mean", "pruned_seconds_std", "speedup", "kernels",
        "variant", "layer", "compression_ratio_mean", "dead_units_mean",
    ]

    /// The CSV text of `summary`, header line first.
    public static func encode(_ summary: [SummaryRow]) -> String {
        CSV.encode([header] + summary.map { s in
            let n = ResultsCSV.number
            return [
                s.method.rawValue, n(s.targetSparsity), String(s.repeats), n(s.achievedSparsity.mean),
                n(s.accuracy.mean), n(s.accuracy.std), n(s.loss.mean), n(s.loss.std),
                s.accuracyBeforeFinetune.map { n($0.mean) } ?? "", s.accuracyBeforeFinetune.map { n($0.std) } ?? "",
                s.lossBeforeFinetune.map { n($0.mean) } ?? "", s.lossBeforeFinetune.map { n($0.std) } ?? "",
                n(s.nonzeroParameters.mean), n(s.denseSeconds.mean), n(s.denseSeconds.std),
                n(s.prunedSeconds.mean), n(s.prunedSeconds.std), n(s.speedup), s.kernels,
                s.variant.rawValue, s.layer.map(String.init) ?? "", s.compressionRatio.map { n($0.mean) } ?? "",
                s.deadUnits.map { n($0.mean) } ?? "",
            ]
        })
    }
}
