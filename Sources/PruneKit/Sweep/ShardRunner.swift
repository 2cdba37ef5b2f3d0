import Foundation

/// Runs shard i of n of a sweep (`prunelab run --shard i/n --out OUT`): the plan's lines of that
/// shard (`SweepPlan.lines(ofShard:of:)`), training exactly the repeats they need, into
/// `OUT/shards/i/`: its results.csv, the checkpoints it trained, and, once done, `shard.json`.
/// A shard run again resumes like any sweep (checkpoints load, measured rows are skipped) and
/// rewrites the same manifest, so running an index twice (Slurm, Kubernetes) changes nothing.
/// No summary or charts are drawn here: `ShardMerge` draws them from every shard's rows. What the
/// reports keep per point (where each point was cut, masks.json) is kept in the shard's folder, since
/// the networks exist only while the shard runs.
public struct ShardRunner {
    /// The spec of the whole sweep (resolved; every shard must be given the same one).
    public let spec: SweepSpec
    /// Which shard this is.
    public let shard: ShardIndex
    /// OUT: the folder shared by every shard.
    public let outputDirectory: URL
    /// The reports whose per-point files the shard keeps (see `SweepRunner`).
    let makeReports: @Sendable (SweepSpec, URL) -> SweepReporting

    /// Shard `shard` of `spec` into `outputDirectory`/shards/i; `reports` keep the per-point files.
    public init(spec: SweepSpec, shard: ShardIndex, outputDirectory: URL,
                reports: @escaping @Sendable (SweepSpec, URL) -> SweepReporting) {
        self.spec = spec
        self.shard = shard
        self.outputDirectory = outputDirectory
        self.makeReports = reports
    }

    /// `OUT/shards`.
    public static func shardsFolder(in out: URL) -> URL { out.appendingPathComponent("shards", isDirectory: true) }

    /// `OUT/shards/i`.
    public static func folder(ofShard index: Int, in out: URL) -> URL {
        shardsFolder(in: out).appendingPathComponent(String(index), isDirectory: true)
    }

    /// This shard's folder.
    public var folder: URL { Self.folder(ofShard: shard.index, in: outputDirectory) }

    /// The line units this shard measures.
    public var lines: [SweepPlan.Unit] { SweepPlan(spec: spec).lines(ofShard: shard.index, of: shard.count) }

    /// Runs (or resumes) the shard and writes its manifest.
    public func run(cancellation: CancellationFlag = CancellationFlag(),
                    progress: @escaping (SweepProgress) -> Void = { _ in }) throws -> ShardOutcome {
        let plan = SweepPlan(spec: spec)
        let lines = plan.lines(ofShard: shard.index, of: shard.count)
        let part = SweepParts(spec: spec, folder: outputDirectory, makeReports: makeReports).runner(into: folder)
        var runner = part.runner
        runner.lineSelection = .only(Set(lines.map(\.key)))
        let outcome = try runner.run(cancellation: cancellation, progress: progress)

        // Done is what the rows show, not what was asked for.
        let measured = Set(outcome.rows.map(\.point))
        let linesDone = lines.filter { $0.points.allSatisfy(measured.contains) }
        let baselines = part.reports.baselines
        let trained = Set(baselines.map(\.repeatIndex))
        let trainingsDone = plan.trainings(for: lines).filter { $0.repeatIndex.map(trained.contains) ?? false }
        let manifest = try ShardManifest(spec: spec, shard: shard, unitsDone: (trainingsDone + linesDone).map(\.key),
                                         baselines: baselines)
        try AtomicFile.write(manifest.encoded(), to: folder.appendingPathComponent(ShardManifest.fileName))
        return ShardOutcome(rows: outcome.rows, lines: lines, manifest: manifest)
    }
}

/// What a finished shard measured.
public struct ShardOutcome: Sendable {
    /// The shard's rows, in results.csv's order.
    public var rows: [ResultRow]
    /// The lines it was given.
    public var lines: [SweepPlan.Unit]
    /// The manifest it wrote.
    public var manifest: ShardManifest
}
