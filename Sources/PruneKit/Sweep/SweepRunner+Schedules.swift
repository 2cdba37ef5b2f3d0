import Foundation

/// What every point of one repeat shares.
struct RepeatContext {
    let repeatIndex: Int
    let seed: Int
    let layerSizes: [Int]
    /// The network after the original training (the checkpoint).
    let trained: MLP
    /// `trained`'s evaluation on the test set.
    let baseline: Evaluation
    let data: Dataset
    /// The test set's timing subset (`InferenceTimer.timingInput`) as floats; times are scaled to the whole test set.
    let timingInput: Matrix
    /// 1-based position of each point in the sweep, for progress.
    var levels: [SweepPoint: Int] = [:]
    /// Told about every point's network as it is recorded (where the network was cut).
    var reports: SweepReporting?
}

/// A point's network once its schedule has pruned and trained it, before it is measured.
private struct ProducedNetwork {
    var network: PrunedNetwork
    /// Right after pruning, before the point's own training (nil when it does not train after pruning).
    var beforeTraining: Evaluation?
    var trainSeconds: Double
}

extension SweepRunner {
    /// Rewind to epoch k: k; rewind to init or none: nil.
    var rewindEpoch: Int? {
        if case let .epoch(k) = spec.pruning.rewind { return k }
        return nil
    }

    /// Repeat `seed`'s weights at initialisation (the start of its training).
    /// With imported weights, those weights: the network before any training here.
    func initialModel(layerSizes: [Int], seed: Int) -> MLP {
        imported ?? MLP.glorotUniform(layerSizes: layerSizes, bias: spec.model.bias, seed: UInt64(seed))
    }

    /// The random-reinit control draws from another stream than the repeat's own initialisation.
    static func reinitSeed(_ seed: Int) -> UInt64 { UInt64(truncatingIfNeeded: seed) &+ 0x5EED_C0DE_0000 }

    private func options(_ context: RepeatContext, layer: Int?) -> PruningOptions {
        PruningOptions(pruneLastLayer: spec.pruning.pruneLastLayer, seed: UInt64(context.seed), layers: layer.map { [$0] },
                       data: context.data.train, batchSize: spec.training.batchSize)
    }

    /// Runs the points of one (repeat, method, layer) line in order. Iterative steps chain: each
    /// step's network is kept on disk (`IterativeCheckpoint`), and a resumed line goes on from
    /// it; without a usable checkpoint it replays the earlier steps (deterministically: the same
    /// networks) without measuring them again. Other schedules skip what is done.
    func runLine(_ line: [SweepPoint], method: PruningMethod, layer: Int?, context: inout RepeatContext,
                 completed: inout [SweepPoint: ResultRow], tracker: inout SweepProgressTracker,
                 cancellation: CancellationFlag, save: (ResultRow, [SweepPoint: ResultRow]) throws -> Void) throws {
        let config = spec.scheduleConfiguration
        let targets = config.targets(spec.pruning.sparsities)
        let rewindTo = try rewindSource(context)
        var previous: PrunedNetwork?
        var startIndex = 0
        let checkpoint = config.schedule == .iterative
            ? IterativeCheckpoint(folder: outputDirectory, method: method, layer: layer, repeatIndex: context.repeatIndex) : nil
        // Resuming an iterative line: the network of the last step whose points are all done
        // lets the line go on from there rather than replay every earlier step.
        if let checkpoint,
           let first = targets.indices.first(where: { i in line.contains { $0.targetSparsity == targets[i] && completed[$0] == nil } }) {
            if first > 0,
               let kept = try checkpoint.read(step: first, method: method, sparsity: targets[first - 1], layerSizes: context.layerSizes) {
                previous = kept.network
                startIndex = first
            } else if try checkpoint.read(step: first + 1, method: method, sparsity: targets[first], layerSizes: context.layerSizes) != nil {
                // That step's own network is on disk (stopped while measuring it): the loop takes it from there.
                startIndex = first
            }
            for point in line where targets.firstIndex(of: point.targetSparsity)! < startIndex { tracker.skip(tracker.units(of: point)) }
        }
        for (stepIndex, target) in targets.enumerated() where stepIndex >= startIndex {
            if cancellation.isCancelled { throw SweepCancelled() }
            let points = line.filter { $0.targetSparsity == target }
            let done = { (point: SweepPoint) in completed[point] != nil }
            if config.schedule == .iterative {
                // Later steps start from this one: it is replayed unless everything after it is done too.
                let later = line.filter { targets.firstIndex(of: $0.targetSparsity)! >= stepIndex }
                if later.allSatisfy(done) {
                    for point in later { tracker.skip(tracker.units(of: point)) }
                    break
                }
            } else if points.allSatisfy(done) {
                for point in points { tracker.skip(tracker.units(of: point)) }
                continue
            }
            let step = config.schedule == .iterative ? stepIndex + 1 : nil
            let pruned = points.first { $0.variant == .pruned }!
            let produced: ProducedNetwork
            if let checkpoint,
               let kept = try checkpoint.read(step: stepIndex + 1, method: method, sparsity: target, layerSizes: context.layerSizes) {
                // This step's network is on disk (a run stopped while measuring it or its controls).
                produced = ProducedNetwork(network: kept.network, beforeTraining: kept.beforeTraining, trainSeconds: kept.trainSeconds)
            } else {
                produced = try produce(pruned, previous: previous, rewindTo: rewindTo, options: options(context, layer: layer),
                                       context: context, tracker: &tracker, cancellation: cancellation)
                try checkpoint?.write(IterativeCheckpoint.Step(network: produced.network, beforeTraining: produced.beforeTraining,
                                                               trainSeconds: produced.trainSeconds), step: stepIndex + 1)
            }
            previous = produced.network
            for point in points {
                if completed[point] != nil {
                    tracker.skip(tracker.units(of: point))
                    continue
                }
                let row: ResultRow
                switch point.variant {
                case .pruned:
                    row = try record(point, produced.network, before: produced.beforeTraining, trainSeconds: produced.trainSeconds,
                                     epochsTrained: config.epochsTrained(step: step ?? 1), step: step, context: &context,
                                     tracker: &tracker, cancellation: cancellation)
                case .randomReinit:
                    row = try randomReinitRow(point, of: produced.network, step: step, context: &context, tracker: &tracker,
                                              cancellation: cancellation)
                case .smallDense:
                    row = try smallDenseRow(point, of: produced.network, step: step, context: &context, tracker: &tracker,
                                            cancellation: cancellation)
                }
                completed[point] = row
                tracker.advance(tracker.units(of: point))
                try save(row, completed)
            }
        }
    }

    // MARK: - Schedules

    /// Prunes and trains the network of one point as its schedule says.
    private func produce(_ point: SweepPoint, previous: PrunedNetwork?, rewindTo: MLP?, options: PruningOptions,
                         context: RepeatContext, tracker: inout SweepProgressTracker, cancellation: CancellationFlag) throws -> ProducedNetwork {
        let config = spec.scheduleConfiguration
        let level = context.levels[point]
        tracker.report(.pruning) { describe(&$0, point, level: level) }
        var network: PrunedNetwork
        var before: Evaluation?
        var seconds = 0.0
        switch config.schedule {
        case .oneShot, .iterative:
            network = config.schedule == .oneShot
                ? Pruner.prune(context.trained, method: point.method, sparsity: point.targetSparsity, options: options)
                : ScheduleSteps.iterativeStep(previous: previous, trained: context.trained, method: point.method,
                                              sparsity: point.targetSparsity, options: options)
            let epochs = config.retrainEpochs
            if epochs > 0 {
                tracker.report(.evaluating) { describe(&$0, point, level: level) }
                before = network.model.evaluate(on: context.data.test)
                if let rewindTo { network = ScheduleSteps.rewound(network, to: rewindTo) }
                seconds = try train(&network, epochs: epochs, point: point, context: context, tracker: &tracker, cancellation: cancellation)
            }
        case .atInit:
            let initial = initialModel(layerSizes: context.layerSizes, seed: context.seed)
            network = ScheduleSteps.atInit(initial, method: point.method, sparsity: point.targetSparsity, options: options)
            seconds = try train(&network, epochs: config.trainingEpochs, point: point, context: context, tracker: &tracker,
                                cancellation: cancellation)
        case .gradual:
            var model = initialModel(layerSizes: context.layerSizes, seed: context.seed)
            let trainer = Trainer(config: trainingConfig(context))
            let curve = GradualCurve(spec.pruning.gradual, finalSparsity: point.targetSparsity, epochs: config.trainingEpochs,
                                     stepsPerEpoch: trainer.stepsPerEpoch(sampleCount: context.data.train.count))
            let gradual = GradualPruner(curve: curve, method: point.method, options: options, layerSizes: context.layerSizes)
            let hooks = TrainingHooks(maskUpdate: { step, current in gradual.masks(beforeStep: step, model: current) })
            seconds = try timedTraining(&model, masks: nil, hooks: hooks, epochs: config.trainingEpochs, point: point,
                                        context: context, tracker: &tracker, cancellation: cancellation)
            network = gradual.network(from: model)
        }
        return ProducedNetwork(network: network, beforeTraining: before, trainSeconds: seconds)
    }

    /// The weights a lottery-ticket step rewinds to: the initialisation, or those after epoch k
    /// of the original training (kept beside the checkpoint; trained again if missing, which
    /// gives the same weights: the first k epochs of a run do not depend on its length, unless
    /// the runner refuses to train what a training unit should have written).
    private func rewindSource(_ context: RepeatContext) throws -> MLP? {
        guard spec.pruning.schedule == .iterative, let rewind = spec.pruning.rewind else { return nil }
        let initial = initialModel(layerSizes: context.layerSizes, seed: context.seed)
        guard case let .epoch(k) = rewind else { return initial }
        let url = sharedFile(Self.rewindName(repeatIndex: context.repeatIndex, epoch: k))
        if FileManager.default.fileExists(atPath: url.path) {
            let model = try Safetensors.read(from: url)
            guard model.layerSizes == context.layerSizes, model.hasBias == spec.model.bias else {
                throw SweepError.checkpointMismatch(path: url.path, expected: context.layerSizes, found: model.layerSizes,
                                                    expectedBias: spec.model.bias, foundBias: model.hasBias)
            }
            return model
        }
        if missingCheckpoint == .refuse {
            throw SweepError.missingTrainingOutput(path: url.path, unit: SweepPlan.trainingKey(repeatIndex: context.repeatIndex))
        }
        var model = initial
        try Trainer(config: trainingConfig(context)).train(&model, on: context.data.train, epochs: k)
        try Safetensors.write(model, to: url, metadata: ["producer": "prunelab", "seed": String(context.seed), "epochs": String(k)])
        return model
    }

    // MARK: - Controls

    /// The point's mask (or kept units) on fresh random weights, trained as long as the point's own last training.
    private func randomReinitRow(_ point: SweepPoint, of network: PrunedNetwork, step: Int?, context: inout RepeatContext,
                                 tracker: inout SweepProgressTracker, cancellation: CancellationFlag) throws -> ResultRow {
        let epochs = spec.scheduleConfiguration.retrainEpochs
        var fresh = ScheduleSteps.randomlyReinitialized(network, seed: Self.reinitSeed(context.seed))
        let seconds = try train(&fresh, epochs: epochs, point: point, context: context, tracker: &tracker, cancellation: cancellation)
        return try record(point, fresh, before: nil, trainSeconds: seconds, epochsTrained: epochs, step: step,
                          context: &context, tracker: &tracker, cancellation: cancellation)
    }

    /// A dense network of the same depth with about as many weights as the point keeps, trained from scratch.
    private func smallDenseRow(_ point: SweepPoint, of network: PrunedNetwork, step: Int?, context: inout RepeatContext,
                               tracker: inout SweepProgressTracker, cancellation: CancellationFlag) throws -> ResultRow {
        let shape = SmallDenseShape(original: context.layerSizes, targetWeights: network.model.nonzeroWeightCount)
        var model = MLP.glorotUniform(layerSizes: shape.layerSizes, bias: spec.model.bias, seed: UInt64(context.seed))
        let epochs = spec.training.epochs
        let seconds = try timedTraining(&model, masks: nil, hooks: TrainingHooks(), epochs: epochs, point: point,
                                        context: context, tracker: &tracker, cancellation: cancellation)
        let level = context.levels[point]
        tracker.report(.evaluating, partial: tracker.evaluationUnits / 2 + Double(epochs) * tracker.finetuneEpochUnits) {
            describe(&$0, point, level: level)
        }
        let (evaluation, timing) = InferenceTimer.evaluateAndMeasure(model, against: context.trained, on: context.data.test,
                                                                     timingInput: context.timingInput)
        if cancellation.isCancelled { throw SweepCancelled() }
        let original = context.trained
        let layerSparsity = zip(model.weights, original.weights).map { 1 - Double($0.count) / Double($1.count) }
        let dead = model.deadUnitsPerLayer
        let row = ResultRow(
            method: point.method, targetSparsity: point.targetSparsity, repeatIndex: point.repeatIndex, seed: context.seed,
            achievedSparsity: 1 - Double(shape.weightCount) / Double(original.weightCount), layerSparsity: layerSparsity,
            accuracy: evaluation.accuracy, loss: evaluation.loss,
            nonzeroParameters: model.nonzeroParameterCount, totalParameters: original.parameterCount,
            denseSeconds: timing.denseSeconds, prunedSeconds: timing.prunedSeconds, kernel: timing.kernel,
            schedule: spec.pruning.schedule, step: step, variant: point.variant, layer: point.layer, epochsTrained: epochs,
            compressionRatio: Double(original.weightCount) / Double(max(1, model.nonzeroWeightCount)),
            macs: shape.weightCount, denseMacs: original.weightCount, deadUnits: dead.reduce(0, +), layerDeadUnits: dead,
            trainSeconds: seconds)
        try keepNetwork(model, of: row)
        return row
    }

    // MARK: - Training and measuring

    private func trainingConfig(_ context: RepeatContext) -> TrainingConfig {
        var config = TrainingConfig(spec.training)
        config.seed = UInt64(context.seed)
        return config
    }

    /// Trains a pruned network with its mask held (unit methods: the shrunk network as it is).
    private func train(_ network: inout PrunedNetwork, epochs: Int, point: SweepPoint, context: RepeatContext,
                       tracker: inout SweepProgressTracker, cancellation: CancellationFlag) throws -> Double {
        let seconds = try timedTraining(&network.model, masks: network.masks, hooks: TrainingHooks(), epochs: epochs, point: point,
                                        context: context, tracker: &tracker, cancellation: cancellation)
        network.nonzeroParameters = network.model.nonzeroParameterCount
        return seconds
    }

    private func timedTraining(_ model: inout MLP, masks: WeightMasks?, hooks: TrainingHooks, epochs: Int, point: SweepPoint,
                               context: RepeatContext, tracker: inout SweepProgressTracker, cancellation: CancellationFlag) throws -> Double {
        guard epochs > 0 else { return 0 }
        let level = context.levels[point]
        let epochUnits = tracker.finetuneEpochUnits
        let start = tracker.evaluationUnits / 2
        let began = DispatchTime.now().uptimeNanoseconds
        try Trainer(config: trainingConfig(context)).train(&model, on: context.data.train, epochs: epochs, masks: masks, hooks: hooks,
                                                          cancellation: cancellation) { p in
            let done = start + (Double(p.epoch - 1) + Double(p.step) / Double(p.stepsPerEpoch)) * epochUnits
            tracker.report(.fineTuning, partial: done) { describe(&$0, point, level: level); $0.fill(from: p) }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - began) * 1e-9
    }

    /// Evaluates and times a point's final network and makes its row.
    private func record(_ point: SweepPoint, _ network: PrunedNetwork, before: Evaluation?, trainSeconds: Double, epochsTrained: Int,
                        step: Int?, context: inout RepeatContext, tracker: inout SweepProgressTracker,
                        cancellation: CancellationFlag) throws -> ResultRow {
        let level = context.levels[point]
        // After the point's own training, where the training's progress left off.
        let trained = trainSeconds > 0 ? tracker.evaluationUnits / 2 + Double(spec.scheduleConfiguration.retrainEpochs) * tracker.finetuneEpochUnits : 0
        tracker.report(.evaluating, partial: trained) { describe(&$0, point, level: level) }
        // Dense and pruned timed as pairs at this point (never against a dense time from another
        // moment), in the same pass as the evaluation where they share runs. A network pruning left
        // as trained (0%) has the trained network's evaluation, to the bit: only its timing runs.
        let (evaluation, timing) = network.model.hasTheSameParameters(as: context.trained)
            ? (context.baseline, InferenceTimer.measure(network, input: context.timingInput, representing: context.data.test.count))
            : InferenceTimer.evaluateAndMeasure(network, on: context.data.test, timingInput: context.timingInput)
        if cancellation.isCancelled { throw SweepCancelled() }
        // Counted on the final network, so a mask that did not hold during training would show.
        let originalWeights = context.trained.weightCount
        let nonzeroWeights = network.model.nonzeroWeightCount
        let macs: Int
        switch timing.kernel {
        case .csr: macs = nonzeroWeights
        case .shrunk: macs = network.model.weightCount
        case .dense: macs = originalWeights
        }
        let dead = network.model.deadUnitsPerLayer
        let row = ResultRow(
            method: point.method, targetSparsity: point.targetSparsity, repeatIndex: point.repeatIndex, seed: context.seed,
            achievedSparsity: network.achievedSparsity, layerSparsity: network.layerSparsity,
            accuracy: evaluation.accuracy, loss: evaluation.loss,
            accuracyBeforeFinetune: before?.accuracy, lossBeforeFinetune: before?.loss,
            nonzeroParameters: network.model.nonzeroParameterCount, totalParameters: network.originalParameters,
            denseSeconds: timing.denseSeconds, prunedSeconds: timing.prunedSeconds, kernel: timing.kernel,
            schedule: spec.pruning.schedule, step: step, variant: point.variant, layer: point.layer, epochsTrained: epochsTrained,
            compressionRatio: Double(originalWeights) / Double(max(1, nonzeroWeights)),
            macs: macs, denseMacs: originalWeights, deadUnits: dead.reduce(0, +), layerDeadUnits: dead, trainSeconds: trainSeconds)
        // Before the row is saved: a saved row always has its network on disk.
        try keepNetwork(network.model, of: row)
        try context.reports?.pointRecorded(row: row, network: network)
        return row
    }
}

/// Fills in which point a progress report is about.
private func describe(_ p: inout SweepProgress, _ point: SweepPoint, level: Int?) {
    p.level = level
    p.method = point.method
    p.sparsity = point.targetSparsity
    p.repeatIndex = point.repeatIndex
}
