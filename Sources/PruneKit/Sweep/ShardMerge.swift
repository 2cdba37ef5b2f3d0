import Foundation

/// `prunelab merge OUT`: joins the finished shards in `OUT/shards/*/` into one sweep's files in
/// OUT: results.csv (one row per point, in a single run's order), the checkpoints, spec.json,
/// and the summary and charts the reports draw (the same reports a single run keeps).
///
/// Refused, naming the reason: no finished shard; shards of different specs or shard counts;
/// a manifest in the wrong folder; shards not finished, or lines whose rows no shard holds
/// (unless partial).
/// A point measured twice (an index run twice, a copied folder) is recorded once: the row of the
/// lowest shard index is kept.
public struct ShardMerge {
    /// OUT: the folder holding `shards/`, and where the merged files go.
    public let outputDirectory: URL
    let makeReports: @Sendable (SweepSpec, URL) -> SweepReporting

    /// A merge into `outputDirectory`; `reports` makes the summary and charts (see `SweepRunner`).
    public init(outputDirectory: URL, reports: @escaping @Sendable (SweepSpec, URL) -> SweepReporting) {
        self.outputDirectory = outputDirectory
        self.makeReports = reports
    }

    /// Checks the shards, then writes the merged files. `allowPartial` merges what is there even
    /// when shards or lines are missing (the outcome lists them).
    public func run(allowPartial: Bool = false) throws -> MergeOutcome {
        let manifests = try finishedShards()
        let first = manifests[0].manifest
        let spec = first.spec
        let plan = SweepPlan(spec: spec)

        let missingShards = Set(0..<first.shards).subtracting(manifests.map(\.manifest.shard)).sorted()
        if !allowPartial && !missingShards.isEmpty {
            throw MergeError.missingShards(indices: missingShards, count: first.shards, folder: ShardRunner.shardsFolder(in: outputDirectory).path)
        }

        // Rows: each point once, the lowest shard's row, in the plan's order; rows of points the
        // spec does not list (never written by this version's shards) after them, also once.
        var byPoint: [SweepPoint: ResultRow] = [:]
        var extra: [ResultRow] = []
        var duplicates = 0
        let planned = Set(plan.lines.flatMap(\.points))
        for shard in manifests {
            for row in try rows(in: shard.folder) {
                if byPoint[row.point] != nil || extra.contains(where: { $0.point == row.point }) {
                    duplicates += 1
                } else if planned.contains(row.point) {
                    byPoint[row.point] = row
                } else {
                    extra.append(row)
                }
            }
        }
        let merged = plan.lines.flatMap(\.points).compactMap { byPoint[$0] } + extra
        // A line is covered when its rows are there, whatever a manifest says (a run of the same
        // index that died late may have replaced a finished run's results.csv with fewer rows).
        let missingLines = plan.lines.filter { !$0.points.allSatisfy { byPoint[$0] != nil } }.map(\.key)
        if !allowPartial && !missingLines.isEmpty { throw MergeError.missingLines(keys: missingLines) }

        // Repeats in order, as a single run reports them: the checkpoint and baseline of the lowest shard that trained it.
        let trained = (0..<spec.repeats).compactMap { r -> SweepParts.TrainedRepeat? in
            guard let shard = manifests.first(where: { $0.manifest.baselines.contains { $0.repeatIndex == r } }),
                  let baseline = shard.manifest.baselines.first(where: { $0.repeatIndex == r }) else { return nil }
            return SweepParts.TrainedRepeat(repeatIndex: r, checkpoint: shard.folder.appendingPathComponent(SweepRunner.checkpointName(repeatIndex: r)),
                                            baseline: baseline.evaluation, trainedBy: "shard \(shard.manifest.shard)")
        }
        let artifacts = try SweepParts(spec: spec, folder: outputDirectory, makeReports: makeReports)
            .draw(rows: merged, repeats: trained, pointFolders: manifests.map(\.folder))
        return MergeOutcome(spec: spec, rows: merged, artifacts: artifacts, shards: manifests.map(\.manifest.shard),
                            duplicatesDropped: duplicates, missingShards: missingShards, missingLines: missingLines)
    }

    // MARK: - Reading the shards

    private struct FinishedShard {
        var folder: URL
        var manifest: ShardManifest
    }

    /// Every finished shard's manifest, by shard index, all of one spec and one shard count.
    private func finishedShards() throws -> [FinishedShard] {
        let root = ShardRunner.shardsFolder(in: outputDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var shards: [FinishedShard] = []
        for name in names.sorted() {
            let folder = root.appendingPathComponent(name, isDirectory: true)
            let url = folder.appendingPathComponent(ShardManifest.fileName)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let manifest = try ShardManifest.read(from: url)
            guard String(manifest.shard) == name else {
                throw MergeError.misplacedManifest(path: url.path, shard: manifest.shard)
            }
            shards.append(FinishedShard(folder: folder, manifest: manifest))
        }
        shards.sort { $0.manifest.shard < $1.manifest.shard }
        guard let first = shards.first else { throw MergeError.noFinishedShards(folder: root.path) }

        let hashes = Dictionary(grouping: shards, by: \.manifest.specSHA256)
        if hashes.count > 1 {
            let groups = hashes.values.map { group in
                MergeError.SpecGroup(sha256: group[0].manifest.specSHA256, shards: group.map(\.manifest.shard))
            }.sorted { $0.shards[0] < $1.shards[0] }
            let other = shards.first { $0.manifest.specSHA256 != first.manifest.specSHA256 }!.manifest.spec
            throw MergeError.specsDiffer(groups: groups, fields: Self.differences(first.manifest.spec, other))
        }
        let counts = Set(shards.map(\.manifest.shards))
        if counts.count > 1 { throw MergeError.shardCountsDiffer(counts: counts.sorted()) }
        return shards
    }

    private func rows(in folder: URL) throws -> [ResultRow] {
        let url = folder.appendingPathComponent("results.csv")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        do {
            return try ResultsCSV.decode(String(contentsOf: url, encoding: .utf8))
        } catch {
            throw SweepError.unreadableFile(path: url.path, detail: "\(error)")
        }
    }

    /// The spec's top-level fields (and pruning's) in which two specs differ.
    static func differences(_ a: SweepSpec, _ b: SweepSpec) -> [String] {
        var fields: [String] = []
        if a.name != b.name { fields.append("name") }
        if a.dataset != b.dataset { fields.append("dataset") }
        if a.model != b.model { fields.append("model") }
        if a.training != b.training { fields.append("training") }
        if a.pruning != b.pruning { fields.append("pruning") }
        if a.repeats != b.repeats { fields.append("repeats") }
        return fields
    }
}

/// What a merge wrote.
public struct MergeOutcome: Sendable {
    /// The spec the shards ran.
    public var spec: SweepSpec
    /// The merged rows, as in OUT/results.csv.
    public var rows: [ResultRow]
    /// The files written to OUT.
    public var artifacts: [String]
    /// The shards merged, by index.
    public var shards: [Int]
    /// Rows dropped because their point was already merged from a lower shard.
    public var duplicatesDropped: Int
    /// Shards with no manifest (a partial merge only).
    public var missingShards: [Int]
    /// Line units whose rows no merged shard holds (a partial merge only).
    public var missingLines: [String]
}

/// Why shards cannot be merged.
public enum MergeError: Error, Equatable, CustomStringConvertible {
    /// The shards that ran one spec.
    public struct SpecGroup: Equatable, Sendable {
        /// The spec's SHA-256.
        public var sha256: String
        /// The shards that ran it.
        public var shards: [Int]
    }

    /// No `shards/i/shard.json` under the folder.
    case noFinishedShards(folder: String)
    /// Shards ran different specs.
    case specsDiffer(groups: [SpecGroup], fields: [String])
    /// Shards were split into different numbers of shards.
    case shardCountsDiffer(counts: [Int])
    /// A manifest in another shard's folder.
    case misplacedManifest(path: String, shard: Int)
    /// Shards not finished (no manifest).
    case missingShards(indices: [Int], count: Int, folder: String)
    /// Line units whose rows no finished shard holds.
    case missingLines(keys: [String])

    /// The reason, for the person merging.
    public var description: String {
        switch self {
        case let .noFinishedShards(folder):
            return "\(folder) holds no finished shard (no shards/i/\(ShardManifest.fileName)); run prunelab run SPEC --shard i/n --out OUT first"
        case let .specsDiffer(groups, fields):
            let ran = groups.map { "shard\($0.shards.count == 1 ? "" : "s") \(list($0.shards)) ran spec \($0.sha256.prefix(12))" }
            return "the shards ran different specs (\(ran.joined(separator: "; "))), differing in \(fields.joined(separator: ", ")); "
                + "run every shard with the same spec, or give each spec its own --out"
        case let .shardCountsDiffer(counts):
            return "the shards were split into different numbers of shards (n = \(list(counts))); run every shard with the same n"
        case let .misplacedManifest(path, shard):
            return "\(path) says it is shard \(shard), but lies in another shard's folder"
        case let .missingShards(indices, count, folder):
            return "shard\(indices.count == 1 ? "" : "s") \(list(indices)) of \(count) \(indices.count == 1 ? "has" : "have") not finished "
                + "(no \(ShardManifest.fileName) in \(folder)/\(indices[0])\(indices.count > 1 ? ", ..." : "")); run them (again), or merge with --partial"
        case let .missingLines(keys):
            return "no finished shard measured \(keys.count) line\(keys.count == 1 ? "" : "s") of the plan (\(keys.prefix(5).joined(separator: ", "))"
                + "\(keys.count > 5 ? ", ..." : "")); run their shards again, or merge with --partial"
        }
    }
}

private func list(_ numbers: [Int]) -> String { numbers.map(String.init).joined(separator: ", ") }
