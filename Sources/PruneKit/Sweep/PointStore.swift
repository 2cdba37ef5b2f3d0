import Foundation

/// Where a point's network comes from when it is exported.
public enum PointNetworkSource: String, Sendable {
    /// Pruned again from the repeat's checkpoint: one-shot points without fine-tuning, which
    /// are deterministic and take a fraction of a second.
    case rebuilt
    /// Read back from the file the sweep wrote when it measured the point: every point that
    /// trained after pruning (fine-tuned one-shot, iterative and lottery steps, gradual,
    /// at-init) and every control (random-reinit, small-dense).
    case stored

    /// The source of `variant`'s networks in a sweep of `spec`: the one rule the runner (what
    /// to store) and the export (where to look) share.
    public static func of(_ variant: PointVariant, in spec: SweepSpec) -> PointNetworkSource {
        variant == .pruned && spec.pruning.schedule == .oneShot && spec.pruning.finetuneEpochs == 0 ? .rebuilt : .stored
    }
}

/// The networks of the points a sweep cannot cheaply rebuild, one compact file each
/// (`CompactNetwork`) in `points/` of the sweep's folder, named by everything that identifies
/// a point: `METHOD-SPARSITY[-layer-L]-repeat-R[-VARIANT][-step-S].safetensors`, e.g.
/// `weight-90-repeat-0.safetensors`, `unit-50-layer-2-repeat-1-small-dense.safetensors`,
/// `weight-80-repeat-0-step-2.safetensors`.
///
/// A file is written (atomically) before its row reaches results.csv, so a row's file is
/// there unless the folder predates stored points; a file whose point has no row (a run
/// stopped in between) is never read, and the resumed run writes it again.
public struct PointStore: Sendable {
    /// The folder inside a sweep's folder; it stays out of `SweepRunner.artifactNames`.
    public static let folderName = "points"
    /// `points/` of the sweep's folder.
    public let folder: URL

    /// The store of the sweep in `sweepFolder`.
    public init(sweepFolder: URL) {
        folder = sweepFolder.appendingPathComponent(Self.folderName, isDirectory: true)
    }

    /// The file name of `point`, measured at iterative `step` (nil for other schedules).
    public static func fileName(_ point: SweepPoint, step: Int?) -> String {
        var name = "\(point.method.rawValue)-\(formatNumber(point.targetSparsity))"
        if let layer = point.layer { name += "-layer-\(layer)" }
        name += "-repeat-\(point.repeatIndex)"
        if point.variant != .pruned { name += "-\(point.variant.rawValue)" }
        if let step { name += "-step-\(step)" }
        return name + ".safetensors"
    }

    /// Where `point`'s network is (or would be) kept.
    public func url(_ point: SweepPoint, step: Int?) -> URL {
        folder.appendingPathComponent(Self.fileName(point, step: step))
    }

    /// What a file's metadata says about its point, checked when it is read back.
    static func identity(_ point: SweepPoint, step: Int?) -> [String: String] {
        var identity = ["method": point.method.rawValue, "sparsity": formatNumber(point.targetSparsity),
                        "repeat": String(point.repeatIndex), "variant": point.variant.rawValue]
        if let layer = point.layer { identity["layer"] = String(layer) }
        if let step { identity["step"] = String(step) }
        return identity
    }

    /// Keeps the final network of a measured point (replacing any earlier file of it).
    public func write(_ model: MLP, of row: ResultRow) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var metadata = Self.identity(row.point, step: row.step)
        metadata["accuracy"] = String(row.accuracy)
        metadata["loss"] = String(row.loss)
        metadata["schedule"] = row.schedule.rawValue
        try CompactNetwork.write(model, to: url(row.point, step: row.step), metadata: metadata)
    }

    /// The kept network of `row`'s point; nil when there is no file. A file that is damaged
    /// or belongs to another point is an error saying so.
    public func read(_ row: ResultRow) throws -> MLP? {
        let url = url(row.point, step: row.step)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let (model, metadata) = try CompactNetwork.read(from: url)
        for (key, value) in Self.identity(row.point, step: row.step) where metadata[key] != value {
            throw DataFileError(path: url.path, problem: "holds the network of another point (its \(key) is \(metadata[key].map { "\"\($0)\"" } ?? "missing"), not \"\(value)\")")
        }
        return model
    }
}

extension SweepRunner {
    /// The store of this sweep's points.
    var pointStore: PointStore { PointStore(sweepFolder: sharedFolder) }

    /// Keeps `model`, the final network of `row`'s point, when export cannot rebuild it cheaply.
    /// Called before the row is saved, so a saved row always has its file.
    func keepNetwork(_ model: MLP, of row: ResultRow) throws {
        guard PointNetworkSource.of(row.variant, in: spec) == .stored else { return }
        try pointStore.write(model, of: row)
    }
}
