import Foundation

/// A sweep taken apart into work units, in the order a single run does them: each repeat's
/// training, then each independent chain of points, then the reports.
///
/// A unit's key is stable: it comes from the spec's values and the unit's position (repeat,
/// method, layer, sparsity), never from a counter or a clock, so the same spec gives the same
/// keys on every machine and in every version that keeps this naming. A unit can run once the
/// units named by its dependencies are done. Shards (`--shard i/n`), and later a job store with
/// leased workers, hand out line units; a line's points are measured by whoever runs the line.
public struct SweepPlan: Sendable, Equatable {
    /// What a unit does.
    public enum Kind: Sendable, Hashable {
        /// Train repeat r from seed `training.seed + r` (or load its checkpoint): the checkpoint is the output.
        case training(repeatIndex: Int)
        /// An independent chain of points of one repeat, method and layer (nil: all layers). `target`
        /// names the one sparsity of a line whose points do not chain (one-shot, gradual, at-init);
        /// nil for an iterative line, whose steps each start from the one before.
        case line(repeatIndex: Int, method: PruningMethod, layer: Int?, target: Double?)
        /// results.csv, summary.csv and the charts, from every line's rows.
        case reports
    }

    /// One unit of work.
    public struct Unit: Sendable, Hashable {
        /// What the unit does.
        public var kind: Kind
        /// The unit's stable name, e.g. `train/r0`, `line/r0/weight/all/50`, `line/r1/unit/layer2` or `reports`.
        public var key: String
        /// Keys of the units that must be done before this one runs.
        public var dependencies: [String]
        /// The rows this unit measures, in results.csv's order (none for training and reports).
        public var points: [SweepPoint]

        /// The repeat a training or line unit belongs to; nil for the reports.
        public var repeatIndex: Int? {
            switch kind {
            case let .training(r), let .line(r, _, _, _): return r
            case .reports: return nil
            }
        }
    }

    /// Every unit: trainings first, then lines in results.csv's order, then the reports.
    public let units: [Unit]

    /// The plan of `spec` as the runner runs it (the spec resolved, with imported weights, to its network's layers).
    public init(spec: SweepSpec) {
        let config = spec.scheduleConfiguration
        let layerCount = spec.model.hidden.count + 1
        let chains = config.schedule == .iterative
        let targets = config.targets(spec.pruning.sparsities)
        let trainings = (0..<spec.repeats).map { r in
            Unit(kind: .training(repeatIndex: r), key: Self.trainingKey(repeatIndex: r), dependencies: [], points: [])
        }
        var lines: [Unit] = []
        for r in 0..<spec.repeats {
            for method in spec.pruning.methods {
                for layer in config.scopeLayers(method: method, layerCount: layerCount) {
                    func points(_ chosen: [Double]) -> [SweepPoint] {
                        chosen.flatMap { target in
                            config.variants.map { SweepPoint(method: method, targetSparsity: target, repeatIndex: r, variant: $0, layer: layer) }
                        }
                    }
                    let dependencies = [Self.trainingKey(repeatIndex: r)]
                    if chains {
                        lines.append(Unit(kind: .line(repeatIndex: r, method: method, layer: layer, target: nil),
                                          key: Self.lineKey(repeatIndex: r, method: method, layer: layer, target: nil),
                                          dependencies: dependencies, points: points(targets)))
                    } else {
                        for target in targets {
                            lines.append(Unit(kind: .line(repeatIndex: r, method: method, layer: layer, target: target),
                                              key: Self.lineKey(repeatIndex: r, method: method, layer: layer, target: target),
                                              dependencies: dependencies, points: points([target])))
                        }
                    }
                }
            }
        }
        let reports = Unit(kind: .reports, key: Self.reportsKey, dependencies: lines.map(\.key), points: [])
        units = trainings + lines + [reports]
    }

    /// The line units, in results.csv's order.
    public var lines: [Unit] { units.filter { if case .line = $0.kind { return true } else { return false } } }

    /// The unit named `key`, if the plan has one.
    public func unit(_ key: String) -> Unit? { units.first { $0.key == key } }

    /// The training units a set of lines needs: those their dependencies name, in repeat order.
    public func trainings(for lines: [Unit]) -> [Unit] {
        let needed = Set(lines.flatMap(\.dependencies))
        return units.filter { unit in
            guard case .training = unit.kind else { return false }
            return needed.contains(unit.key)
        }
    }

    /// The lines of shard `index` of `count`: contiguous runs of the ordered lines, as equal in
    /// number as they can be (the first `lines % count` shards get one more). Contiguous rather
    /// than round-robin, so that a shard's lines share as few repeats as possible: each repeat a
    /// shard touches is a whole training it must do.
    public func lines(ofShard index: Int, of count: Int) -> [Unit] {
        let all = lines
        guard count > 0, (0..<count).contains(index) else { return [] }
        let base = all.count / count, extra = all.count % count
        let start = index * base + min(index, extra)
        let end = start + base + (index < extra ? 1 : 0)
        return Array(all[start..<end])
    }

    // MARK: - Keys

    /// The key of the reports unit.
    public static let reportsKey = "reports"

    /// `train/rR`.
    public static func trainingKey(repeatIndex: Int) -> String { "train/r\(repeatIndex)" }

    /// `line/rR/METHOD/SCOPE[/SPARSITY]`: SCOPE is `all` or `layerL`; SPARSITY (a one-shot,
    /// gradual or at-init target) in its shortest form, whole numbers without a decimal point.
    public static func lineKey(repeatIndex: Int, method: PruningMethod, layer: Int?, target: Double?) -> String {
        let scope = layer.map { "layer\($0)" } ?? "all"
        let base = "line/r\(repeatIndex)/\(method.rawValue)/\(scope)"
        return target.map { "\(base)/\(sparsityText($0))" } ?? base
    }

    static func sparsityText(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}

/// Which line units a runner measures: all of them (a whole sweep) or those named.
public enum LineSelection: Sendable, Equatable {
    /// Every line of the plan, as a single run does.
    case all
    /// Only the units with these keys: lines, whose repeats are trained (or loaded), no other;
    /// and trainings (`train/rR`), whose repeat is trained (or loaded) even when no chosen line needs it.
    case only(Set<String>)
}
