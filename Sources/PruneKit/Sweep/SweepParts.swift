import Foundation

/// A sweep measured in parts (shards, work units), each in a folder of its own, and drawn
/// together once: the one way `ShardMerge` and `WorkUnitRunner` run a part and draw the whole,
/// so that their files are a single run's.
struct SweepParts {
    /// A repeat a part trained (or loaded): where its checkpoint is and how it scored unpruned.
    struct TrainedRepeat {
        var repeatIndex: Int
        var checkpoint: URL
        var baseline: Evaluation
        /// Which part trained it, for messages: "shard 2", "work unit train/r1".
        var trainedBy: String
    }

    let spec: SweepSpec
    /// Where the whole sweep's files are drawn.
    let folder: URL
    let makeReports: @Sendable (SweepSpec, URL) -> SweepReporting

    /// A runner of one part of the sweep into `partFolder`, whose reports keep only the per-point
    /// files (where each point was cut) and each repeat's baseline; the summary and charts wait for
    /// `draw`.
    func runner(into partFolder: URL) -> (runner: SweepRunner, reports: PerPointReports) {
        let recorder = PerPointReports()
        let makeReports = makeReports
        let runner = SweepRunner(spec: spec, outputDirectory: partFolder) { spec, folder in
            recorder.perPoint = makeReports(spec, folder)
            return recorder
        }
        return (runner, recorder)
    }

    /// Draws the whole sweep into `folder` as a single run leaves it: each repeat's checkpoint
    /// (copied unless it is already there) and its baseline in repeat order, spec.json,
    /// results.csv of `rows` as given, the summary and charts, and what the reports keep per
    /// point, taken from the first of `pointFolders` that has it. Returns the artifact names
    /// present afterwards (as `SweepOutcome.artifacts`).
    func draw(rows: [ResultRow], repeats: [TrainedRepeat], pointFolders: [URL]) throws -> [String] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let reports = makeReports(spec, folder)
        for trained in repeats.sorted(by: { $0.repeatIndex < $1.repeatIndex }) {
            let destination = folder.appendingPathComponent(SweepRunner.checkpointName(repeatIndex: trained.repeatIndex))
            let checkpoint: Data, model: MLP
            do {
                checkpoint = try Data(contentsOf: trained.checkpoint)
                model = try Safetensors.read(from: trained.checkpoint)
            } catch {
                throw SweepError.unreadableFile(path: trained.checkpoint.path,
                                                detail: "the checkpoint of repeat \(trained.repeatIndex) that \(trained.trainedBy) trained: \(error)")
            }
            if trained.checkpoint.standardizedFileURL != destination.standardizedFileURL {
                try AtomicFile.write(checkpoint, to: destination)
            }
            try reports.modelTrained(model, repeatIndex: trained.repeatIndex, baseline: trained.baseline)
        }
        try AtomicFile.write(ShardManifest.encoded(spec), to: folder.appendingPathComponent("spec.json"))
        try AtomicFile.write(ResultsCSV.encode(rows), to: folder.appendingPathComponent("results.csv"))
        try reports.rowsChanged(rows)
        try reports.shardsMerged(rows: rows, folders: pointFolders)
        return SweepRunner.artifactNames(repeats: spec.repeats).filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
    }
}
