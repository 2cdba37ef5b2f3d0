/// Everything the engine needs to know about when and how often a sweep prunes and trains,
/// separate from how a spec spells it. The runner reads only this; `check(methods:)` refuses
/// the combinations the engine cannot run, naming the spec fields involved.
public struct ScheduleConfiguration: Equatable, Sendable {
    /// When pruning happens relative to training (one shot, iterative, gradual, ...).
    public var schedule: PruningSchedule
    /// Epochs of training before (or, for gradual, during) pruning.
    public var trainingEpochs: Int
    /// Epochs of masked training after each pruning step; 0: none.
    public var finetuneEpochs: Int
    /// Where pruned weights are reset to before retraining (lottery ticket); nil: no rewind.
    public var rewind: RewindPoint?
    /// The sparsity ramp of the gradual schedule.
    public var gradual: GradualSpec
    /// Control variants evaluated next to each pruned network.
    public var controls: [PruningControl]
    /// Whether all prunable layers are pruned together or each alone.
    public var scope: PruningScope
    /// Whether the output layer's weights may be pruned too.
    public var pruneLastLayer: Bool

    /// A configuration with the seed experiment's defaults for everything not given.
    public init(schedule: PruningSchedule = .oneShot, trainingEpochs: Int, finetuneEpochs: Int = 0, rewind: RewindPoint? = nil,
                gradual: GradualSpec = .init(), controls: [PruningControl] = [], scope: PruningScope = .all,
                pruneLastLayer: Bool = false) {
        self.schedule = schedule
        self.trainingEpochs = trainingEpochs
        self.finetuneEpochs = finetuneEpochs
        self.rewind = rewind
        self.gradual = gradual
        self.controls = controls
        self.scope = scope
        self.pruneLastLayer = pruneLastLayer
    }

    /// A combination the engine refuses: the JSON Pointers of the fields involved and why.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        /// JSON Pointers of every spec field the problem involves.
        public var pointers: [String]
        /// What is wrong, in a sentence.
        public var message: String
        /// The pointers followed by the message, for an error line.
        public var description: String { "\(pointers.joined(separator: ", ")): \(message)" }
    }

    /// Every problem of this configuration with these methods (empty: it runs).
    public func problems(methods: [PruningMethod]) -> [Problem] {
        var problems: [Problem] = []
        for method in methods where !method.allowedSchedules.contains(schedule) {
            problems.append(Problem(pointers: ["/pruning/methods", "/pruning/schedule"],
                                    message: "method \"\(method.rawValue)\" cannot run with schedule \"\(schedule.rawValue)\" "
                                        + "(it runs with \(method.allowedSchedules.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")))"))
        }
        if finetuneEpochs > 0 && (schedule == .gradual || schedule == .atInit) {
            problems.append(Problem(pointers: ["/pruning/finetune_epochs", "/pruning/schedule"],
                                    message: "must be 0 with schedule \"\(schedule.rawValue)\" (it trains training.epochs after pruning)"))
        }
        if let rewind {
            if schedule != .iterative {
                problems.append(Problem(pointers: ["/pruning/rewind", "/pruning/schedule"],
                                        message: "rewinding needs schedule \"iterative\", got \"\(schedule.rawValue)\""))
            }
            if finetuneEpochs > 0 {
                problems.append(Problem(pointers: ["/pruning/rewind", "/pruning/finetune_epochs"],
                                        message: "rewinding retrains training.epochs - k epochs; finetune_epochs must be 0"))
            }
            if case let .epoch(k) = rewind, !(k > 0 && k < trainingEpochs) {
                problems.append(Problem(pointers: ["/pruning/rewind", "/training/epochs"],
                                        message: "the rewind epoch must be in 1 ... \(trainingEpochs - 1) (0 < k < training.epochs), got \(k)"))
            }
        }
        if schedule == .gradual {
            let end = gradual.resolvedEndEpoch(trainingEpochs: trainingEpochs)
            if !(gradual.startEpoch >= 0 && gradual.startEpoch <= end && end <= Double(trainingEpochs)) {
                problems.append(Problem(pointers: ["/pruning/gradual/start_epoch", "/pruning/gradual/end_epoch"],
                                        message: "need 0 <= start_epoch <= end_epoch <= training.epochs (\(trainingEpochs)), got \(gradual.startEpoch) and \(end)"))
            }
            if gradual.everySteps < 1 {
                problems.append(Problem(pointers: ["/pruning/gradual/every_steps"], message: "must be at least 1, got \(gradual.everySteps)"))
            }
        }
        return problems
    }

    /// Epochs a point trains after (or, for gradual, while) it is pruned: its last training,
    /// which the random-reinit control repeats from fresh weights. 0: the point does not train.
    public var retrainEpochs: Int {
        switch schedule {
        case .oneShot: return finetuneEpochs
        case .iterative: return rewind.map { trainingEpochs - $0.epoch } ?? finetuneEpochs
        case .gradual, .atInit: return trainingEpochs
        }
    }

    /// The targets in the order the schedule visits them (iterative: increasing, each once).
    public func targets(_ sparsities: [Double]) -> [Double] {
        guard schedule == .iterative else { return sparsities }
        var seen = Set<Double>()
        return sparsities.sorted().filter { seen.insert($0).inserted }
    }

    /// The layers pruned alone (each-layer scope) for `method` on a network of `layerCount`
    /// layers: hidden layers for unit methods, prunable layers for weight methods. `[nil]`: all together.
    public func scopeLayers(method: PruningMethod, layerCount: Int) -> [Int?] {
        guard scope == .eachLayer else { return [nil] }
        if method.removesUnits { return Array(0..<layerCount - 1) }
        return Pruner.prunableWeightLayers(layerCount: layerCount, pruneLastLayer: pruneLastLayer)
    }

    /// The rows every (method, target) point gives: the pruned network, then its controls.
    public var variants: [PointVariant] {
        var variants: [PointVariant] = [.pruned]
        if controls.contains(.randomReinit) && retrainEpochs > 0 { variants.append(.randomReinit) }
        if controls.contains(.smallDense) { variants.append(.smallDense) }
        return variants
    }

    /// Training epochs behind a point of this schedule at iterative step `step` (1-based; 1 otherwise),
    /// the original training included for schedules that start from the trained network.
    public func epochsTrained(step: Int) -> Int {
        switch schedule {
        case .oneShot: return trainingEpochs + finetuneEpochs
        case .iterative: return trainingEpochs + step * retrainEpochs
        case .gradual, .atInit: return trainingEpochs
        }
    }
}
