import Foundation

/// Runs a pruning sweep end to end: load the data, train one model per repeat (or load its
/// checkpoint), then for every method and sparsity prune, evaluate, optionally fine-tune with
/// the mask held, time inference, and record the row. Every file is written atomically, and
/// results.csv after every point, so an interrupted sweep resumes where it stopped and a
/// reader never sees half a file.
///
/// Determinism: repeat `r` uses seed `training.seed + r` for initialisation, shuffling, the
/// random baselines and fine-tuning, so a resumed sweep gives the same rows (timings aside)
/// as one run straight through.
public struct SweepRunner {
    /// Files in outputDirectory (the checkpoints, rewind snapshots and points/ in `sharedFolder`, the same folder
    /// unless set): model.safetensors (checkpoint right after training), results.csv (rewritten
    /// atomically as each point completes), summary.csv, accuracy.svg, loss.svg, latency.svg, weights.svg,
    /// and spec.json (the resolved spec, checked on resume). Repeats beyond the first add
    /// model-repeat-R.safetensors (see `checkpointName(repeatIndex:)`).
    /// accuracy-compression.svg and layers.svg come with every sweep of this version, sensitivity.svg
    /// with the each-layer scope only; masks.json and masks.svg (where each point's network was cut) with
    /// every sweep that records its points' networks. Not listed (working files, kept for resuming): model-epoch-K.safetensors
    /// (rewind to epoch k) and step-METHOD[-layer-L]-repeat-R[.mask].safetensors (an iterative line's latest step);
    /// nor points/ (`PointStore`: the networks of the points export cannot rebuild, served by the point route).
    public static let artifactNames = [
        "results.csv", "summary.csv", "accuracy.svg", "loss.svg", "latency.svg", "weights.svg",
        "model.safetensors", "spec.json", "accuracy-compression.svg", "sensitivity.svg", "layers.svg",
        "masks.json", "masks.svg",
    ]

    /// Every file a sweep of `repeats` repeats can write: `artifactNames`, then the checkpoints
    /// of the repeats after the first.
    public static func artifactNames(repeats: Int) -> [String] {
        artifactNames + (1..<max(1, repeats)).map { checkpointName(repeatIndex: $0) }
    }

    /// The spec the runner executes.
    public let spec: SweepSpec
    /// The folder results and charts are written to (and resumed from).
    public let outputDirectory: URL
    /// The folder of the checkpoints, rewind snapshots and stored points (`PointStore`): the output
    /// folder by default; a job's folder shared by the work units (`WorkUnitRunner`), each of which
    /// writes its rows into a folder of its own.
    public var sharedFolder: URL
    /// The network read from `model.weights` (set by `run` once the spec is resolved).
    var imported: MLP?
    var importedArchitecture: ImportedArchitecture?
    /// Makes the reports one run keeps up to date (`Report/`'s summary and charts by default).
    let makeReports: @Sendable (SweepSpec, URL) -> SweepReporting
    /// The line units this runner measures (see `SweepPlan`); `.all` by default, a whole sweep.
    public var lineSelection: LineSelection = .all
    /// What to do when a repeat's checkpoint is not there.
    var missingCheckpoint: MissingCheckpoint = .train
    /// Told about each row as soon as it is saved, before the next point starts; what it throws stops the run.
    var rowMeasured: ((ResultRow) throws -> Void)?
    /// Evaluations of trained repeats already made (a line unit reads its training unit's
    /// baseline.json): used instead of evaluating the same checkpoint again, which gives the same bits.
    var knownBaselines: [Int: Evaluation] = [:]

    /// What a runner does without a repeat's checkpoint.
    enum MissingCheckpoint {
        /// Train the repeat and write the checkpoint (a whole sweep, a shard, a training unit).
        case train
        /// Refuse, naming the file and the training unit that writes it (a line unit: the job
        /// service runs the training first, so a missing checkpoint is a bug not to hide).
        case refuse
    }

    /// A runner for `spec` into `outputDirectory`; `reports` makes the summary and charts it keeps updated.
    public init(spec: SweepSpec, outputDirectory: URL, reports: @escaping @Sendable (SweepSpec, URL) -> SweepReporting) {
        self.spec = spec
        self.outputDirectory = outputDirectory
        self.sharedFolder = outputDirectory
        self.makeReports = reports
    }

    /// This runner's settings, for `spec` resolved (its imported network's layers filled in).
    private func resolved(_ spec: SweepSpec) -> SweepRunner {
        var runner = SweepRunner(spec: spec, outputDirectory: outputDirectory, reports: makeReports)
        runner.sharedFolder = sharedFolder
        runner.lineSelection = lineSelection
        runner.missingCheckpoint = missingCheckpoint
        runner.rowMeasured = rowMeasured
        return runner
    }

    /// The checkpoint of repeat `r`: model.safetensors for the first, model-repeat-R.safetensors after.
    public static func checkpointName(repeatIndex: Int) -> String {
        repeatIndex == 0 ? "model.safetensors" : "model-repeat-\(repeatIndex).safetensors"
    }

    /// The seed of repeat `r`.
    public func seed(repeatIndex: Int) -> Int { spec.training.seed + repeatIndex }

    /// Every point of the sweep in the order it runs (see `SweepSpec.points`).
    public var points: [SweepPoint] { spec.points }

    /// The weights after epoch k of repeat `r`'s training, kept for rewinding.
    public static func rewindName(repeatIndex: Int, epoch: Int) -> String {
        repeatIndex == 0 ? "model-epoch-\(epoch).safetensors" : "model-repeat-\(repeatIndex)-epoch-\(epoch).safetensors"
    }

    func file(_ name: String) -> URL { outputDirectory.appendingPathComponent(name) }
    /// A file of the shared folder (checkpoints, rewind snapshots).
    func sharedFile(_ name: String) -> URL { sharedFolder.appendingPathComponent(name) }

    /// Runs or resumes: a checkpoint present is loaded instead of training; points already in results.csv are skipped.
    public func run(cancellation: CancellationFlag = CancellationFlag(),
                    progress: @escaping (SweepProgress) -> Void = { _ in }) throws -> SweepOutcome {
        // Refused before anything is loaded or written.
        let configuration = spec.scheduleConfiguration
        if let problem = configuration.problems(methods: spec.pruning.methods).first {
            throw SweepError.unrunnableSchedule(pointers: problem.pointers, message: problem.message)
        }
        try spec.checkUploadsResolved()
        // Imported weights: the run goes on with the spec resolved from the file and its network.
        if imported == nil, let path = spec.model.weights {
            let (resolved, architecture) = try spec.resolvingImportedModel()
            var runner = self.resolved(resolved)
            do {
                runner.imported = try ModelImport.read(at: URL(fileURLWithPath: path), layers: spec.model.layers)
            } catch let error as DataFileError {
                throw SweepError.importedModel(pointer: "/model/weights", message: error.description)
            }
            runner.importedArchitecture = architecture
            return try runner.run(cancellation: cancellation, progress: progress)
        }
        // The points of the chosen lines; a repeat none of them (nor a chosen training) needs is neither trained nor loaded.
        let chosenUnits = try selectedUnits()
        let chosen = Set(chosenUnits.flatMap(\.points))
        let neededRepeats = Set(chosenUnits.compactMap(\.repeatIndex))
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: sharedFolder, withIntermediateDirectories: true)
        progress(SweepProgress(phase: .loading, fraction: 0))
        try claimOutputDirectory()
        let data = try DatasetCache.shared.dataset(for: spec.dataset)
        if let architecture = importedArchitecture {
            try SweepSpec.checkImported(architecture, path: spec.model.weights ?? "", features: data.features, classes: data.classes)
        }
        let layerSizes = imported?.layerSizes ?? [data.features] + spec.model.hidden + [data.classes]
        let parameters = spec.parameterCount(inputs: data.features, classes: layerSizes[layerSizes.count - 1])
        guard parameters <= SpecLimits.maxParameters else {
            throw SweepError.modelTooLarge(parameters: parameters, limit: SpecLimits.maxParameters)
        }

        let plan = points
        // The fraction is of the chosen work: the trainings needed (none when a training unit does them) and the chosen points.
        let trainings = missingCheckpoint == .train ? neededRepeats.count : 0
        var tracker = SweepProgressTracker(spec: spec, trainCount: data.train.count, testCount: data.test.count,
                                           trainings: trainings, points: plan.filter(chosen.contains), callback: progress)
        var completed: [SweepPoint: ResultRow] = [:]
        let planned = Set(plan)
        let previous = try previousRows()
        for row in previous where planned.contains(row.point) { completed[row.point] = row }
        // Rows of points this spec no longer lists (fewer methods, sparsities or repeats than
        // the run that measured them) stay in results.csv after this run's rows: a measured row is never lost.
        let kept = previous.filter { !planned.contains($0.point) }
        let allRows = { plan.compactMap { completed[$0] } + kept }
        let reports = makeReports(spec, outputDirectory)
        // The test set's timing subset as floats once, shared by every point's paired timing
        // (500 of 10,000 Fashion-MNIST images: 1.6 MB instead of 31.4 MB).
        let timingInput = InferenceTimer.timingInput(data.test)
        // However the measuring ends, the reports drawn once per run are drawn from what was measured.
        var ended = false
        defer { if !ended { try? reports.runEnded() } }

        for r in 0..<spec.repeats where neededRepeats.contains(r) {
            let model = try trainedModel(repeatIndex: r, layerSizes: layerSizes, data: data,
                                         tracker: &tracker, cancellation: cancellation)
            let baseline = knownBaselines[r] ?? model.evaluate(on: data.test)
            try reports.modelTrained(model, repeatIndex: r, baseline: baseline)
            var context = RepeatContext(repeatIndex: r, seed: seed(repeatIndex: r), layerSizes: layerSizes, trained: model,
                                        baseline: baseline, data: data, timingInput: timingInput)
            context.reports = reports
            for (index, point) in plan.enumerated() where point.repeatIndex == r { context.levels[point] = index + 1 }

            for method in spec.pruning.methods {
                for layer in configuration.scopeLayers(method: method, layerCount: layerSizes.count - 1) {
                    // Points of lines not chosen are measured elsewhere (another shard or unit).
                    let line = plan.filter { $0.repeatIndex == r && $0.method == method && $0.layer == layer && chosen.contains($0) }
                    if line.isEmpty { continue }
                    if cancellation.isCancelled { throw SweepCancelled() }
                    if line.allSatisfy({ completed[$0] != nil }) {
                        for point in line { tracker.skip(tracker.units(of: point)) }
                        continue
                    }
                    try runLine(line, method: method, layer: layer, context: &context, completed: &completed,
                                tracker: &tracker, cancellation: cancellation) { row, completed in
                        let rows = plan.compactMap { completed[$0] } + kept
                        try AtomicFile.write(ResultsCSV.encode(rows), to: self.file("results.csv"))
                        try reports.rowsChanged(rows)
                        // After the row is on disk: a unit stopped by what this throws resumes with the row.
                        try self.rowMeasured?(row)
                    }
                }
            }
        }

        tracker.report(.reporting)
        let rows = allRows()
        try AtomicFile.write(ResultsCSV.encode(rows), to: file("results.csv"))
        try reports.rowsChanged(rows)
        ended = true
        try reports.runEnded()
        let artifacts = Self.artifactNames(repeats: spec.repeats).filter { FileManager.default.fileExists(atPath: file($0).path) }
        return SweepOutcome(rows: rows, artifacts: artifacts)
    }

    // MARK: - Steps

    /// Loads repeat `r`'s checkpoint, or trains a fresh model and writes the checkpoint.
    private func trainedModel(repeatIndex r: Int, layerSizes: [Int], data: Dataset,
                              tracker: inout SweepProgressTracker, cancellation: CancellationFlag) throws -> MLP {
        let checkpoint = sharedFile(Self.checkpointName(repeatIndex: r))
        let trainingUnits = tracker.work.trainingUnits
        if FileManager.default.fileExists(atPath: checkpoint.path) {
            let model = try Safetensors.read(from: checkpoint)
            guard model.layerSizes == layerSizes, model.hasBias == spec.model.bias else {
                throw SweepError.checkpointMismatch(path: checkpoint.path, expected: layerSizes, found: model.layerSizes,
                                                    expectedBias: spec.model.bias, foundBias: model.hasBias)
            }
            if missingCheckpoint == .train { tracker.skip(trainingUnits) }
            return model
        }
        if missingCheckpoint == .refuse {
            throw SweepError.missingTrainingOutput(path: checkpoint.path, unit: SweepPlan.trainingKey(repeatIndex: r))
        }
        let seed = seed(repeatIndex: r)
        var model = initialModel(layerSizes: layerSizes, seed: seed)
        var config = TrainingConfig(spec.training)
        config.seed = UInt64(seed)
        tracker.report(.training) { $0.repeatIndex = r; $0.epochs = spec.training.epochs }
        // Rewinding to epoch k needs the weights after that epoch: kept as the training passes it.
        var snapshot: MLP?
        let rewindEpoch = rewindEpoch
        let hooks = TrainingHooks(epochEnded: rewindEpoch.map { k in { epoch, model in if epoch == k { snapshot = model } } })
        try Trainer(config: config).train(&model, on: data.train, epochs: spec.training.epochs, hooks: hooks,
                                          cancellation: cancellation) { p in
            let partial = (Double(p.epoch - 1) + Double(p.step) / Double(p.stepsPerEpoch)) * tracker.trainingEpochUnits
            tracker.report(.training, partial: partial) { $0.fill(from: p); $0.repeatIndex = r }
        }
        tracker.advance(trainingUnits)
        if let snapshot, let k = rewindEpoch {
            try Safetensors.write(snapshot, to: sharedFile(Self.rewindName(repeatIndex: r, epoch: k)), metadata: [
                "producer": "prunelab", "seed": String(seed), "epochs": String(k),
                "layer_sizes": layerSizes.map(String.init).joined(separator: ","),
            ])
        }
        try Safetensors.write(model, to: checkpoint, metadata: [
            "seed": String(seed), "epochs": String(spec.training.epochs),
            "layer_sizes": layerSizes.map(String.init).joined(separator: ","),
        ])
        return model
    }

    // MARK: - Selection

    /// The plan's line and training units `lineSelection` names; an unknown key is refused before anything runs.
    private func selectedUnits() throws -> [SweepPlan.Unit] {
        let plan = SweepPlan(spec: spec)
        guard case let .only(keys) = lineSelection else { return plan.lines }
        let selectable = plan.units.filter { $0.kind != .reports }
        let unknown = keys.subtracting(selectable.map(\.key))
        guard unknown.isEmpty else { throw SweepError.unknownWorkUnits(keys: unknown.sorted()) }
        return selectable.filter { keys.contains($0.key) }
    }

    // MARK: - Resume

    /// Rows a previous run left in results.csv (none when there is no such file).
    private func previousRows() throws -> [ResultRow] {
        let url = file("results.csv")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        do {
            return try ResultsCSV.decode(String(contentsOf: url, encoding: .utf8))
        } catch {
            throw SweepError.unreadableFile(path: url.path, detail: "\(error); delete it to measure every point again")
        }
    }

    /// Makes sure the folder's checkpoints and rows (if any) come from a compatible spec,
    /// then records this spec in spec.json. Names, methods, sparsities and repeats may change
    /// between runs; what changes a trained model or a measured row may not.
    private func claimOutputDirectory() throws {
        let url = file("spec.json")
        if FileManager.default.fileExists(atPath: url.path) {
            let previous: SweepSpec
            do {
                previous = try JSONDecoder().decode(SweepSpec.self, from: Data(contentsOf: url))
            } catch {
                throw SweepError.unreadableFile(path: url.path, detail: "not a spec PruneLab wrote (\(error))")
            }
            var differences: [String] = []
            if previous.dataset != spec.dataset { differences.append("dataset") }
            if previous.model != spec.model { differences.append("model") }
            if previous.training != spec.training { differences.append("training") }
            if previous.pruning.pruneLastLayer != spec.pruning.pruneLastLayer { differences.append("pruning.prune_last_layer") }
            if previous.pruning.finetuneEpochs != spec.pruning.finetuneEpochs { differences.append("pruning.finetune_epochs") }
            if previous.pruning.schedule != spec.pruning.schedule { differences.append("pruning.schedule") }
            if previous.pruning.rewind != spec.pruning.rewind { differences.append("pruning.rewind") }
            if previous.pruning.schedule == .gradual && previous.pruning.gradual != spec.pruning.gradual { differences.append("pruning.gradual") }
            if previous.pruning.scope != spec.pruning.scope { differences.append("pruning.scope") }
            // Iterative rows depend on every earlier step: targets may only be added above the old ones.
            let configuration = spec.scheduleConfiguration
            if spec.pruning.schedule == .iterative
                && !configuration.targets(spec.pruning.sparsities).starts(with: configuration.targets(previous.pruning.sparsities)) {
                differences.append("pruning.sparsities")
            }
            if !differences.isEmpty {
                throw SweepError.outputDirectoryHoldsOtherSweep(path: outputDirectory.path, differences: differences)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(spec), to: url)
    }
}

extension SweepProgress {
    /// Copies a trainer's epoch, step and throughput.
    mutating func fill(from training: TrainingProgress) {
        epoch = training.epoch
        epochs = training.epochs
        step = training.step
        stepsPerEpoch = training.stepsPerEpoch
        samplesPerSecond = training.samplesPerSecond
    }
}
