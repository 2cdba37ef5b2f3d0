import Foundation

/// Runs one work unit of a job (`SweepPlan.Unit`) in the job's folder J, which the workers of
/// many machines may share (NFS, a ReadWriteMany volume):
/// - a training unit trains repeat r (or loads its checkpoint) and leaves in J its checkpoint
///   (`SweepRunner.checkpointName`) and any rewind snapshot, and in its unit folder the repeat's
///   unpruned test metrics (baseline.json);
/// - a line unit loads that checkpoint from J (it never trains a repeat again) and measures its
///   points into its own unit folder (results.csv, iterative step files, masks.json); the networks
///   export reads back go to J/points/, named by point;
/// - the reports unit draws J's results.csv, spec.json, summary.csv, charts and masks from every
///   line's rows (`drawReports(rows:)`), as a single run leaves its folder.
///
/// Every file is written atomically and is a function of the spec alone (timings aside), with no
/// appends and no counters: two workers running the same unit at once (a lease taken over) write
/// the same files, and a unit run again resumes from its folder.
public struct WorkUnitRunner {
    /// The job's spec, resolved as `SweepRunner` runs it (with imported weights, their network's layers).
    public let spec: SweepSpec
    /// J: the job's folder, shared by every worker.
    public let jobFolder: URL
    let makeReports: @Sendable (SweepSpec, URL) -> SweepReporting

    /// The units of the job `spec` in `jobFolder`; `reports` draws the summary and charts (and keeps per-point files).
    public init(spec: SweepSpec, jobFolder: URL, reports: @escaping @Sendable (SweepSpec, URL) -> SweepReporting) {
        self.spec = spec
        self.jobFolder = jobFolder
        self.makeReports = reports
    }

    /// `J/units`.
    static let unitsFolderName = "units"
    /// A training unit's record of its repeat's unpruned test metrics, in its unit folder.
    static let baselineFileName = "baseline.json"

    /// J/units/<key with "/" replaced by "_">/ : a unit's working folder (its results.csv, iterative step files, masks.json).
    public static func folder(ofUnit key: String, in jobFolder: URL) -> URL {
        jobFolder.appendingPathComponent(unitsFolderName, isDirectory: true)
            .appendingPathComponent(key.replacingOccurrences(of: "/", with: "_"), isDirectory: true)
    }

    private var parts: SweepParts { SweepParts(spec: spec, folder: jobFolder, makeReports: makeReports) }

    /// Runs (or resumes) a training or line unit. rowMeasured is called with each row as soon as that point is
    /// measured, before the next point starts; an error it throws stops the unit and is rethrown. Returns EVERY row
    /// of the unit, including rows resumed from an earlier attempt's unit folder (which rowMeasured did not see).
    /// Training units return [] and leave in J: the checkpoint (SweepRunner.checkpointName), any rewind snapshot, and
    /// the unit folder's baseline.json (the repeat's unpruned test Evaluation). Throws SweepCancelled when cancelled.
    public func run(_ unit: SweepPlan.Unit, cancellation: CancellationFlag,
                    progress: @escaping (SweepProgress) -> Void,
                    rowMeasured: @escaping (ResultRow) throws -> Void) throws -> [ResultRow] {
        if cancellation.isCancelled { throw SweepCancelled() }
        // The plan's own unit of that key: its points are what this spec measures.
        guard let planned = SweepPlan(spec: spec).unit(unit.key) else { throw SweepError.unknownWorkUnits(keys: [unit.key]) }
        let folder = Self.folder(ofUnit: planned.key, in: jobFolder)
        let part = parts.runner(into: folder)
        var runner = part.runner
        runner.sharedFolder = jobFolder
        runner.lineSelection = .only([planned.key])
        runner.rowMeasured = rowMeasured
        switch planned.kind {
        case .reports:
            throw SweepError.unitNeedsRows(key: planned.key)
        case let .training(r):
            _ = try runner.run(cancellation: cancellation, progress: progress)
            let url = folder.appendingPathComponent(Self.baselineFileName)
            guard let baseline = part.reports.baselines.first(where: { $0.repeatIndex == r }) else {
                throw SweepError.missingTrainingOutput(path: url.path, unit: planned.key)
            }
            try AtomicFile.write(ShardManifest.encoded(baseline), to: url)
            return []
        case .line:
            runner.missingCheckpoint = .refuse
            // The training unit evaluated the checkpoint already; without its file, evaluate again.
            for r in Set(planned.points.map(\.repeatIndex)) { runner.knownBaselines[r] = try? trainedRepeat(r).baseline }
            let outcome = try runner.run(cancellation: cancellation, progress: progress)
            let rows = Dictionary(outcome.rows.map { ($0.point, $0) }, uniquingKeysWith: { first, _ in first })
            return planned.points.compactMap { rows[$0] }
        }
    }

    /// The reports unit: from `rows` (every line's rows, as the store recorded them, any order) writes into J
    /// results.csv (plan order, as a single run), spec.json, summary.csv, the charts, and masks.json/masks.svg merged
    /// from the line units' folders; the baselines come from the training units' baseline.json and checkpoints in J.
    /// Returns the artifact names present afterwards (as SweepOutcome.artifacts). Names a missing checkpoint/baseline clearly.
    /// A point given twice is drawn once (its first row); a row of a point the plan does not have, or a
    /// line without rows, is refused.
    public func drawReports(rows: [ResultRow]) throws -> [String] {
        let plan = SweepPlan(spec: spec)
        let lines = plan.lines
        let lineOfPoint = Dictionary(lines.flatMap { line in line.points.map { ($0, line.key) } }, uniquingKeysWith: { first, _ in first })
        var byPoint: [SweepPoint: ResultRow] = [:]
        var unknown: Set<String> = []
        for row in rows {
            guard lineOfPoint[row.point] != nil else {
                unknown.insert(Self.lineKey(of: row.point, in: spec))
                continue
            }
            if byPoint[row.point] == nil { byPoint[row.point] = row }
        }
        guard unknown.isEmpty else { throw SweepError.unknownWorkUnits(keys: unknown.sorted()) }
        let missing = lines.filter { !$0.points.allSatisfy { byPoint[$0] != nil } }.map(\.key)
        guard missing.isEmpty else { throw SweepError.missingUnitRows(keys: missing) }

        let trained = try plan.trainings(for: lines).compactMap(\.repeatIndex).map(trainedRepeat)
        return try parts.draw(rows: lines.flatMap(\.points).compactMap { byPoint[$0] }, repeats: trained,
                              pointFolders: lines.map { Self.folder(ofUnit: $0.key, in: jobFolder) })
    }

    /// While the lines run: J/results.csv with the rows measured so far (any order given; each point
    /// once, in plan order), so a page following the job draws its charts as points come in. Every
    /// worker of the job may write it; each write is whole, and the reports unit writes the last.
    public func writeMeasuredRows(_ rows: [ResultRow]) throws {
        let order = Dictionary(SweepPlan(spec: spec).lines.flatMap(\.points).enumerated().map { ($1, $0) },
                               uniquingKeysWith: { first, _ in first })
        var seen = Set<SweepPoint>()
        let known = rows.filter { order[$0.point] != nil && seen.insert($0.point).inserted }
        try AtomicFile.write(ResultsCSV.encode(known.sorted { order[$0.point]! < order[$1.point]! }),
                             to: jobFolder.appendingPathComponent("results.csv"))
    }

    /// Repeat r's checkpoint in J and its baseline from its training unit's folder, each named when missing.
    private func trainedRepeat(_ r: Int) throws -> SweepParts.TrainedRepeat {
        let key = SweepPlan.trainingKey(repeatIndex: r)
        let checkpoint = jobFolder.appendingPathComponent(SweepRunner.checkpointName(repeatIndex: r))
        let url = Self.folder(ofUnit: key, in: jobFolder).appendingPathComponent(Self.baselineFileName)
        for file in [checkpoint, url] where !FileManager.default.fileExists(atPath: file.path) {
            throw SweepError.missingTrainingOutput(path: file.path, unit: key)
        }
        let baseline: ShardManifest.Baseline
        do {
            baseline = try JSONDecoder().decode(ShardManifest.Baseline.self, from: Data(contentsOf: url))
        } catch {
            throw SweepError.unreadableFile(path: url.path, detail: "not a baseline work unit \(key) wrote (\(error)); run \(key) again")
        }
        guard baseline.repeatIndex == r else {
            throw SweepError.unreadableFile(path: url.path, detail: "holds the baseline of repeat \(baseline.repeatIndex), not \(r); run \(key) again")
        }
        return SweepParts.TrainedRepeat(repeatIndex: r, checkpoint: checkpoint, baseline: baseline.evaluation, trainedBy: "work unit \(key)")
    }

    /// The key of the line a point would belong to in `spec`'s plan (for naming a row the plan does not have).
    private static func lineKey(of point: SweepPoint, in spec: SweepSpec) -> String {
        let chains = spec.scheduleConfiguration.schedule == .iterative
        return SweepPlan.lineKey(repeatIndex: point.repeatIndex, method: point.method, layer: point.layer,
                                 target: chains ? nil : point.targetSparsity)
    }
}
