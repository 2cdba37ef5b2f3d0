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
    /// Each-layer scope: the only layer pruned; nil for points that prune every layer.
    public var layer: Int?

    /// A point; the defaults name repeat 0's pruned network with every layer pruned.
    public init(method: PruningMethod, sparsity: Double, repeatIndex: Int = 0, variant: PointVariant = .pruned, layer: Int? = nil) {
        self.method = method
        self.sparsity = sparsity
        self.repeatIndex = repeatIndex
        self.variant = variant
        self.layer = layer
    }

    /// `METHOD:SPARSITY[:REPEAT]`, e.g. `weight:90` or `unit:50.0:1`.
    public init?(_ text: String, variant: PointVariant = .pruned, layer: Int? = nil) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), let method = PruningMethod(rawValue: parts[0]), let sparsity = Double(parts[1]),
              sparsity.isFinite else { return nil }
        var repeatIndex = 0
        if parts.count == 3 {
            guard let r = Int(parts[2]), r >= 0 else { return nil }
            repeatIndex = r
        }
        self.init(method: method, sparsity: sparsity, repeatIndex: repeatIndex, variant: variant, layer: layer)
    }

    /// `METHOD:SPARSITY:REPEAT`, then the layer and the variant when they are not the defaults, for messages.
    public var text: String {
        "\(method.rawValue):\(formatNumber(sparsity)):\(repeatIndex)\(layer.map { " layer \($0)" } ?? "")\(variant == .pruned ? "" : " (\(variant.rawValue))")"
    }
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

/// The network of one point of a sweep folder, for export in PyTorch's layout.
///
/// One-shot points without fine-tuning are deterministic and cheap: they are pruned again from
/// the repeat's checkpoint with the sweep's seed. Every other point (trained after pruning, or
/// a control) is read back from the file the sweep kept in `points/` (`PointStore`); folders
/// from before stored points have only the last step of each iterative line, in its step
/// file. Either way the network must reproduce the accuracy results.csv recorded.
public enum PointExport {
    /// A point's network with the row and spec it came from.
    public struct Exported {
        /// The point's network, pruned weights at zero.
        public var model: MLP
        /// The results.csv row of the point, whose accuracy the network reproduces.
        public var row: ResultRow
        /// The resolved spec of the sweep the point belongs to.
        public var spec: SweepSpec
        /// Rebuilt from the checkpoint or read back from a stored file.
        public var source: PointNetworkSource
    }

    /// A sparsity as file names show it: `90`, `97.5`.
    public static func sparsityText(_ sparsity: Double) -> String { formatNumber(sparsity) }

    /// The point's network, rebuilt or read back and checked against its row; throws naming why not.
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
                && $0.variant == point.variant && $0.layer == point.layer
        }
        guard let row = matching.first else {
            let have = Set(rows.filter { $0.layer == point.layer && $0.variant == point.variant }
                .map { "\($0.method.rawValue):\(formatNumber($0.targetSparsity))" }).sorted()
            throw PointExportError.notFound("the sweep has no point \(point.text); it has \(have.isEmpty ? "none of that variant and layer" : have.prefix(24).joined(separator: ", "))")
        }
        let source = PointNetworkSource.of(point.variant, in: spec)
        let data = try Dataset.load(spec.dataset)
        let model = switch source {
        case .rebuilt: try rebuildOneShot(spec: spec, data: data, folder: folder, point: point)
        case .stored: try stored(spec: spec, folder: folder, point: point, row: row)
        }
        try check(model, reproduces: row, of: point, data: data, source: source)
        return Exported(model: model, row: row, spec: spec, source: source)
    }

    static func rebuildOneShot(spec: SweepSpec, data: Dataset, folder: URL, point: PointSelector) throws -> MLP {
        let checkpoint = folder.appendingPathComponent(SweepRunner.checkpointName(repeatIndex: point.repeatIndex))
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw PointExportError.notAvailable("\(checkpoint.lastPathComponent) (the trained network of repeat \(point.repeatIndex)) is missing")
        }
        let trained = try Safetensors.read(from: checkpoint)
        let options = PruningOptions(pruneLastLayer: spec.pruning.pruneLastLayer, seed: UInt64(spec.training.seed + point.repeatIndex),
                                     layers: point.layer.map { [$0] }, data: data.train, batchSize: spec.training.batchSize)
        return Pruner.prune(trained, method: point.method, sparsity: point.sparsity, options: options).model
    }

    /// The point's file in `points/`, or for folders from before stored points the step file
    /// of an iterative line's last step.
    static func stored(spec: SweepSpec, folder: URL, point: PointSelector, row: ResultRow) throws -> MLP {
        let store = PointStore(sweepFolder: folder)
        do {
            if let model = try store.read(row) { return model }
        } catch let error as DataFileError {
            throw PointExportError.notAvailable("the stored network of \(point.text) cannot be read: \(error)")
        }
        let name = "\(PointStore.folderName)/\(PointStore.fileName(row.point, step: row.step))"
        if spec.pruning.schedule == .iterative, point.variant == .pruned, let step = row.step {
            let checkpoint = IterativeCheckpoint(folder: folder, method: point.method, layer: point.layer, repeatIndex: point.repeatIndex)
            let trained = try Safetensors.read(from: folder.appendingPathComponent(SweepRunner.checkpointName(repeatIndex: point.repeatIndex)))
            if let kept = try checkpoint.read(step: step, method: point.method, sparsity: row.targetSparsity, layerSizes: trained.layerSizes) {
                return kept.network.model
            }
            throw PointExportError.notAvailable("\(name) is missing: this sweep kept only the last step of each iterative line, and \(point.text) is step \(step), an earlier one")
        }
        throw PointExportError.notAvailable("\(name) is missing: \(point.text) trained after pruning or is a control, and this sweep ran before PruneLab kept the networks of such points (run the sweep again to export it)")
    }

    /// The network must be the measured one: the same accuracy, to one test sample (a tie the
    /// rebuilt network's kernels may break otherwise).
    static func check(_ model: MLP, reproduces row: ResultRow, of point: PointSelector, data: Dataset, source: PointNetworkSource) throws {
        guard model.layerSizes.first == data.features else {
            throw PointExportError.notAvailable("the \(source.rawValue) network of \(point.text) has layers \(model.layerSizes), which do not take the dataset's \(data.features) inputs")
        }
        let accuracy = model.evaluate(on: data.test).accuracy
        guard abs(accuracy - row.accuracy) <= 1.0 / Double(max(1, data.test.count)) + 1e-12 else {
            let why = source == .rebuilt ? "the checkpoint or data changed since the sweep ran" : "the stored file or the data changed since the sweep ran"
            throw PointExportError.notAvailable("the \(source.rawValue) network of \(point.text) scores \(accuracy), not the \(row.accuracy) results.csv recorded: \(why)")
        }
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
            "repeat": String(point.repeatIndex), "variant": point.variant.rawValue, "layer": point.layer.map(String.init) ?? "all",
            "accuracy": String(exported.row.accuracy), "loss": String(exported.row.loss),
            "nonzero_parameters": String(exported.row.nonzeroParameters), "total_parameters": String(exported.row.totalParameters),
            "source": exported.source.rawValue,
        ])
        return exported
    }
}
