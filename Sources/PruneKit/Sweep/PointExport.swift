import Foundation

/// One point of a finished (or running) sweep, as a user names it.
public struct PointSelector: Sendable, Equatable {
    /// The pruning criterion of the point.
    public var method: PruningMethod
    /// Target sparsity in percent, as in results.csv.
    public var sparsity: Double
    /// 0-based repeat (model) of the point.
    public var repeatIndex: Int
    /// The pruned network or one of its controls.
    public var variant: PointVariant

    /// A point; the defaults name repeat 0's pruned network.
    public init(method: PruningMethod, sparsity: Double, repeatIndex: Int = 0, variant: PointVariant = .pruned) {
        self.method = method
        self.sparsity = sparsity
        self.repeatIndex = repeatIndex
        self.variant = variant
    }

    /// `METHOD:SPARSITY[:REPEAT]`, e.g. `weight:90` or `unit:50.0:1`.
    public init?(_ text: String, variant: PointVariant = .pruned) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), let method = PruningMethod(rawValue: parts[0]), let sparsity = Double(parts[1]),
              sparsity.isFinite else { return nil }
        var repeatIndex = 0
        if parts.count == 3 {
            guard let r = Int(parts[2]), r >= 0 else { return nil }
            repeatIndex = r
        }
        self.init(method: method, sparsity: sparsity, repeatIndex: repeatIndex, variant: variant)
    }

    /// `METHOD:SPARSITY:REPEAT`, with the variant in parentheses when it is not the pruned one, for messages.
    public var text: String { "\(method.rawValue):\(formatNumber(sparsity)):\(repeatIndex)\(variant == .pruned ? "" : " (\(variant.rawValue))")" }
}

/// Why a point cannot be exported.
public enum PointExportError: Error, Equatable, CustomStringConvertible {
    /// The folder holds no such point (or no sweep at all).
    case notFound(String)
    /// The point exists but its network can be neither rebuilt nor read back.
    case notAvailable(String)

    /// The message, which names the point and why it cannot be exported.
    public var description: String {
        switch self {
        case .notFound(let text), .notAvailable(let text): text
        }
    }
}

/// Rebuilds the network of one point of a sweep folder, for export in PyTorch's layout.
///
/// One-shot points without fine-tuning are deterministic and cheap: they are pruned again from
/// the repeat's checkpoint with the sweep's seed, and the rebuilt network must reproduce the
/// accuracy results.csv recorded. Iterative steps are not cheap to replay: the step a line
/// last reached is read from its stored step file. Other points (fine-tuned, gradual, at-init,
/// controls) train after pruning and are not kept, so they are refused with the reason.
public enum PointExport {
    /// A point's network with the row and spec it came from.
    public struct Exported {
        /// The point's network, pruned weights at zero.
        public var model: MLP
        /// The results.csv row of the point, whose accuracy the network reproduces.
        public var row: ResultRow
        /// The resolved spec of the sweep the point belongs to.
        public var spec: SweepSpec
        /// "rebuilt" or "stored".
        public var source: String
    }

    /// A sparsity as file names show it: `90`, `97.5`.
    public static func sparsityText(_ sparsity: Double) -> String { formatNumber(sparsity) }

    /// The point's network: rebuilt (one-shot) or read back (iterative last step); throws naming why not.
    public static func network(folder: URL, point: PointSelector) throws -> Exported {
        let specURL = folder.appendingPathComponent("spec.json"), resultsURL = folder.appendingPathComponent("results.csv")
        guard let specData = FileManager.default.contents(atPath: specURL.path),
              let spec = try? JSONDecoder().decode(SweepSpec.self, from: specData) else {
            throw PointExportError.notFound("\(folder.path) holds no sweep (no readable spec.json)")
        }
        guard let text = try? String(contentsOf: resultsURL, encoding: .utf8), let rows = try? ResultsCSV.decode(text) else {
            throw PointExportError.notFound("\(folder.path) has no results yet (no readable results.csv)")
        }
        let matching = rows.filter {
            $0.method == point.method && abs($0.targetSparsity - point.sparsity) < 1e-9 && $0.repeatIndex == point.repeatIndex
                && $0.variant == point.variant && $0.layer == nil
        }
        guard let row = matching.first else {
            let have = Set(rows.filter { $0.layer == nil }.map { "\($0.method.rawValue):\(formatNumber($0.targetSparsity))" }).sorted()
            throw PointExportError.notFound("the sweep has no point \(point.text); it has \(have.prefix(24).joined(separator: ", "))")
        }
        guard point.variant == .pruned else {
            throw PointExportError.notAvailable("\(point.variant.rawValue) networks are controls trained from scratch and are not kept; only pruned points are exported")
        }
        let config = spec.scheduleConfiguration
        switch spec.pruning.schedule {
        case .oneShot where spec.pruning.finetuneEpochs == 0:
            let model = try rebuildOneShot(spec: spec, folder: folder, point: point, row: row)
            return Exported(model: model, row: row, spec: spec, source: "rebuilt")
        case .iterative:
            let targets = config.targets(spec.pruning.sparsities)
            guard let index = targets.firstIndex(where: { abs($0 - point.sparsity) < 1e-9 }) else {
                throw PointExportError.notFound("\(point.text) is not a step of this iterative sweep")
            }
            let checkpoint = IterativeCheckpoint(folder: folder, method: point.method, layer: nil, repeatIndex: point.repeatIndex)
            let model = try Safetensors.read(from: folder.appendingPathComponent(SweepRunner.checkpointName(repeatIndex: point.repeatIndex)))
            guard let step = try checkpoint.read(step: index + 1, method: point.method, sparsity: targets[index], layerSizes: model.layerSizes) else {
                throw PointExportError.notAvailable("iterative steps are kept only for the last step of each line; \(point.text) is step \(index + 1), an earlier one")
            }
            return Exported(model: step.network.model, row: row, spec: spec, source: "stored")
        default:
            throw PointExportError.notAvailable("points of a \(spec.pruning.schedule.rawValue) sweep\(spec.pruning.finetuneEpochs > 0 ? " with finetune_epochs" : "") are trained after pruning and not kept; only one-shot points without fine-tuning and the last step of iterative lines are exported")
        }
    }

    static func rebuildOneShot(spec: SweepSpec, folder: URL, point: PointSelector, row: ResultRow) throws -> MLP {
        let checkpoint = folder.appendingPathComponent(SweepRunner.checkpointName(repeatIndex: point.repeatIndex))
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw PointExportError.notAvailable("\(checkpoint.lastPathComponent) (the trained network of repeat \(point.repeatIndex)) is missing")
        }
        let trained = try Safetensors.read(from: checkpoint)
        let data = try Dataset.load(spec.dataset)
        let options = PruningOptions(pruneLastLayer: spec.pruning.pruneLastLayer, seed: UInt64(spec.training.seed + point.repeatIndex),
                                     layers: nil, data: data.train, batchSize: spec.training.batchSize)
        let network = Pruner.prune(trained, method: point.method, sparsity: point.sparsity, options: options)
        // The rebuilt network must be the measured one: the same accuracy (to one test sample,
        // for a tie the sparse kernel may break otherwise).
        let accuracy = network.model.evaluate(on: data.test).accuracy
        guard abs(accuracy - row.accuracy) <= 1.0 / Double(max(1, data.test.count)) + 1e-12 else {
            throw PointExportError.notAvailable("the rebuilt network of \(point.text) scores \(accuracy), not the \(row.accuracy) results.csv recorded: the checkpoint or data changed since the sweep ran")
        }
        return network.model
    }

    /// Writes the point's network in PyTorch `nn.Sequential` layout, its metadata recording
    /// the spec, the point, its accuracy and nonzeros.
    public static func write(folder: URL, point: PointSelector, to url: URL, masks: Bool = false,
                             format: ExportFormat = .safetensors) throws -> Exported {
        let exported = try network(folder: folder, point: point)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let specText = String(decoding: try encoder.encode(exported.spec), as: UTF8.self)
        try TorchExport.write(exported.model, to: url, masks: masks && !point.method.removesUnits, format: format, metadata: [
            "spec": specText, "method": point.method.rawValue, "sparsity": formatNumber(point.sparsity),
            "repeat": String(point.repeatIndex), "variant": point.variant.rawValue,
            "accuracy": String(exported.row.accuracy), "loss": String(exported.row.loss),
            "nonzero_parameters": String(exported.row.nonzeroParameters), "total_parameters": String(exported.row.totalParameters),
            "source": exported.source,
        ])
        return exported
    }
}
