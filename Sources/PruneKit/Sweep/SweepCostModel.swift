/// What a sweep costs, taken apart the way the engine runs it, so that an estimate can say
/// which spec fields drive it. `SweepMemoryModel` lists the moments where memory peaks and
/// `SweepWorkModel` the work; both read the shapes from here.
///
/// Schedules (issue 11) are more `TrainingRun`s (iterative retraining, at-init and gradual
/// trainings, the controls) and more `PointCost`s (each-layer scope); the memory and work
/// models cost whatever runs and points `SweepCostModel` lists.
struct SweepCostModel {
    let spec: SweepSpec
    let shape: DataShape

    /// `[features, hidden..., classes]`.
    let layerSizes: [Int]
    /// Pointers of the fields that set the sample counts and the features (empty when no field
    /// of the spec can change them, as for Fashion-MNIST's features).
    let trainCountFields: [String]
    let testCountFields: [String]
    let featureFields: [String]

    init(spec: SweepSpec, shape: DataShape) {
        self.spec = spec
        self.shape = shape
        layerSizes = [shape.features] + spec.model.hidden + [shape.classes]
        let synthetic = spec.dataset.name == .synthetic
        func countFields(size: Int, limit: Int?, sizeField: String, limitField: String) -> [String] {
            if let limit, !synthetic || limit < size { return [limitField] }
            return synthetic ? [sizeField] : [limitField]
        }
        trainCountFields = countFields(size: spec.dataset.trainSize, limit: spec.dataset.trainLimit,
                                       sizeField: "/dataset/train_size", limitField: "/dataset/train_limit")
        testCountFields = countFields(size: spec.dataset.testSize, limit: spec.dataset.testLimit,
                                      sizeField: "/dataset/test_size", limitField: "/dataset/test_limit")
        featureFields = synthetic ? ["/dataset/features"] : []
    }

    /// The field naming where the data comes from (what loading reads whatever the limits).
    var sourceFields: [String] {
        switch spec.dataset.name {
        case .synthetic: return ["/dataset/train_size", "/dataset/test_size"] + featureFields
        case .idx, .npz: return ["/dataset/path"]
        case .csv: return ["/dataset/train", "/dataset/test"]
        case .fashionMNIST: return ["/dataset/name"]
        }
    }

    /// One training run: the repeat's training from initialisation, or one point's fine-tuning.
    struct TrainingRun {
        var layerSizes: [Int]
        var epochs: Int
        /// Weights held at zero by masks (fine-tuning a weight-pruned network), which the
        /// session keeps a float copy of.
        var maskedWeights: Int
        /// How many times this run happens in the sweep (repeats, points).
        var count: Int
        /// Networks the caller holds outside the training session while it runs, in parameters.
        var heldParameters: Int
        var fields: [String]
    }

    /// One (method, sparsity) point of one repeat.
    struct PointCost {
        var method: PruningMethod
        var sparsity: Double
        /// The layer pruned alone (each-layer scope); nil: every prunable layer.
        var layer: Int?
        /// The network the point evaluates, times and fine-tunes: the original shape for
        /// weight methods, the shrunk one for unit methods.
        var prunedLayerSizes: [Int]
        /// Per layer, weights set to zero (weight methods; all zero for unit methods).
        var removedWeights: [Int]
        /// Weights under a mask (weight methods: those of the layers pruned; 0 for unit methods).
        var maskedWeights: Int
        /// How many repeats run this point.
        var count: Int
    }

    var parameters: Int { Self.parameterCount(layerSizes, bias: spec.model.bias) }

    static func parameterCount(_ sizes: [Int], bias: Bool) -> Int {
        zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + (bias ? $1.1 : 0) }
    }

    static func weightCounts(_ sizes: [Int]) -> [Int] {
        zip(sizes, sizes.dropFirst()).map { $0 * $1 }
    }

    /// Layers weight methods prune: all but the last unless the spec prunes it too.
    var prunableLayers: Range<Int> {
        0..<(spec.pruning.pruneLastLayer ? layerSizes.count - 1 : layerSizes.count - 2)
    }

    var configuration: ScheduleConfiguration { spec.scheduleConfiguration }

    /// Every training run of the sweep, as `SweepRunner` and its schedules make them: the
    /// repeat's training, then per point its own training (fine-tuning, an iterative step's
    /// retraining, the at-init or gradual training) and its controls' trainings.
    var trainingRuns: [TrainingRun] {
        let hidden = ["/model/hidden"]
        let config = configuration
        // Rewinding to epoch k keeps the weights after epoch k while the training goes on.
        let snapshot = config.rewind.map { $0.epoch > 0 ? parameters : 0 } ?? 0
        var runs = [TrainingRun(layerSizes: layerSizes, epochs: spec.training.epochs, maskedWeights: 0, count: spec.repeats,
                                heldParameters: 2 * parameters + snapshot,  // the initial network and the trained one it becomes
                                fields: ["/training/epochs"] + trainCountFields + hidden + ["/repeats"])]
        let pointFields = ["/pruning/sparsities", "/pruning/methods"] + (config.scope == .eachLayer ? ["/pruning/scope"] : [])
        for point in distinctPoints {
            let pruned = Self.parameterCount(point.prunedLayerSizes, bias: spec.model.bias)
            let line = lineHeldParameters(point)
            let own = ownTraining(point)
            if own.epochs > 0 {
                // The trained original, what the line keeps, the pruned network and the trained one it becomes.
                let trainedSizes = own.layerSizes
                let trainedParameters = Self.parameterCount(trainedSizes, bias: spec.model.bias)
                runs.append(TrainingRun(layerSizes: trainedSizes, epochs: own.epochs, maskedWeights: own.maskedWeights,
                                        count: point.count, heldParameters: parameters + line + 2 * trainedParameters + own.extraHeld,
                                        fields: own.fields + pointFields + trainCountFields + hidden + ["/repeats"]))
            }
            if config.variants.contains(.randomReinit) {
                // The point's network stays held (its row is recorded) while the control trains a copy from fresh weights.
                runs.append(TrainingRun(layerSizes: point.prunedLayerSizes, epochs: config.retrainEpochs,
                                        maskedWeights: point.method.removesUnits ? 0 : point.maskedWeights,
                                        count: point.count, heldParameters: parameters + line + 3 * pruned,
                                        fields: ["/pruning/controls"] + own.fields + pointFields + trainCountFields + hidden + ["/repeats"]))
            }
            if config.variants.contains(.smallDense) {
                let small = smallDenseSizes(point)
                let smallParameters = Self.parameterCount(small, bias: spec.model.bias)
                runs.append(TrainingRun(layerSizes: small, epochs: spec.training.epochs, maskedWeights: 0, count: point.count,
                                        heldParameters: parameters + line + pruned + 2 * smallParameters,
                                        fields: ["/pruning/controls", "/training/epochs"] + pointFields + trainCountFields + hidden + ["/repeats"]))
            }
        }
        return runs
    }

    /// A point's own training after (or, gradual, while) it is pruned.
    struct OwnTraining {
        var layerSizes: [Int]
        var epochs: Int
        var maskedWeights: Int
        /// Held only during this training (gradual: the exported model, the pruned network and its masks at an update).
        var extraHeld: Int
        var fields: [String]
    }

    func ownTraining(_ point: PointCost) -> OwnTraining {
        let config = configuration
        let masked = point.method.removesUnits ? 0 : point.maskedWeights
        switch config.schedule {
        case .oneShot, .iterative:
            let fields = config.schedule == .oneShot ? ["/pruning/finetune_epochs"]
                : config.rewind == nil ? ["/pruning/finetune_epochs", "/pruning/schedule"] : ["/training/epochs", "/pruning/rewind", "/pruning/schedule"]
            return OwnTraining(layerSizes: point.prunedLayerSizes, epochs: config.retrainEpochs, maskedWeights: masked, extraHeld: 0,
                               fields: fields)
        case .atInit:
            return OwnTraining(layerSizes: point.prunedLayerSizes, epochs: config.trainingEpochs, maskedWeights: masked, extraHeld: 0,
                               fields: ["/training/epochs", "/pruning/schedule"])
        case .gradual:
            // The original shape throughout, masked from the first update on (unit methods: UnitShrinker.masks over every layer).
            let gradualMasked = point.method.removesUnits ? Self.weightCounts(layerSizes).reduce(0, +) : point.maskedWeights
            // At an update: the exported model, the pruned copy, its masks and the choosing scratch (9 bytes a weight).
            let largestLayer = prunableLayers.map { Self.weightCounts(layerSizes)[$0] }.max() ?? 0
            return OwnTraining(layerSizes: layerSizes, epochs: config.trainingEpochs, maskedWeights: gradualMasked,
                               extraHeld: 2 * parameters + gradualMasked + (9 * largestLayer + 3) / 4,
                               fields: ["/training/epochs", "/pruning/schedule", "/pruning/gradual/every_steps"])
        }
    }

    /// Networks one (repeat, method, layer) line holds besides the trained original while its
    /// points run: an iterative line's previous step (its model, expanded for a shrunk one, and its
    /// masks) and its rewind weights; at-init and gradual lines the initial network.
    func lineHeldParameters(_ point: PointCost) -> Int {
        switch configuration.schedule {
        case .oneShot: return 0
        case .iterative:
            let previous = Self.parameterCount(point.prunedLayerSizes, bias: spec.model.bias) + (point.method.removesUnits ? 0 : point.maskedWeights)
            return previous + (configuration.rewind != nil ? parameters : 0)
        case .atInit, .gradual: return parameters
        }
    }

    /// The small-dense control's shape for a point: as many weights as the point keeps.
    func smallDenseSizes(_ point: PointCost) -> [Int] {
        let kept = Self.weightCounts(point.prunedLayerSizes).reduce(0, +) - point.removedWeights.reduce(0, +)
        return SmallDenseShape(original: layerSizes, targetWeights: kept).layerSizes
    }

    /// Steps of one epoch (the last batch may be short).
    var stepsPerEpoch: Int {
        let batch = max(1, min(spec.training.batchSize, shape.trainCount))
        return (shape.trainCount + batch - 1) / batch
    }

    /// How often a gradual training recomputes its masks (`GradualCurve.updatesMask`).
    var gradualUpdates: Int {
        guard configuration.schedule == .gradual else { return 0 }
        let curve = GradualCurve(spec.pruning.gradual, finalSparsity: 0, epochs: spec.training.epochs, stepsPerEpoch: stepsPerEpoch)
        let last = min(curve.endStep, spec.training.epochs * stepsPerEpoch - 1)
        guard last >= curve.startStep else { return 0 }
        let regular = (last - curve.startStep) / curve.everySteps + 1
        let endOnGrid = (curve.endStep - curve.startStep) % curve.everySteps == 0
        return regular + (curve.endStep <= last && !endOnGrid ? 1 : 0)
    }

    /// How many times one point prunes: once, or at every gradual update.
    var prunesPerPoint: Int { configuration.schedule == .gradual ? gradualUpdates : 1 }

    var prunableWeights: Int {
        let counts = Self.weightCounts(layerSizes)
        return prunableLayers.reduce(0) { $0 + counts[$1] }
    }

    /// The points of one repeat that prune (their controls are in `trainingRuns`), each counted
    /// `repeats` times (every repeat has the same shapes): method, scope layer, target.
    var distinctPoints: [PointCost] {
        let config = configuration
        return spec.pruning.methods.flatMap { method in
            config.scopeLayers(method: method, layerCount: layerSizes.count - 1).flatMap { layer in
                config.targets(spec.pruning.sparsities).map { point(method, $0, layer: layer) }
            }
        }
    }

    private func point(_ method: PruningMethod, _ sparsity: Double, layer: Int?) -> PointCost {
        let counts = Self.weightCounts(layerSizes)
        if method.removesUnits {
            var sizes = layerSizes
            for i in 1..<(sizes.count - 1) where layer == nil || layer == i - 1 {
                sizes[i] -= Pruner.removalCount(of: sizes[i], sparsity: sparsity)
            }
            return PointCost(method: method, sparsity: sparsity, layer: layer, prunedLayerSizes: sizes,
                             removedWeights: counts.map { _ in 0 }, maskedWeights: 0, count: spec.repeats)
        }
        var removed = counts.map { _ in 0 }
        if let layer {
            removed[layer] = Pruner.removalCount(of: counts[layer], sparsity: sparsity)
            return PointCost(method: method, sparsity: sparsity, layer: layer, prunedLayerSizes: layerSizes,
                             removedWeights: removed, maskedWeights: counts[layer], count: spec.repeats)
        }
        if method == .globalWeight || method == .snip || method == .synflow {
            // One threshold across layers: the count is global; spread it in proportion to size.
            let total = Pruner.removalCount(of: prunableWeights, sparsity: sparsity)
            for layer in prunableLayers { removed[layer] = Int(Double(total) * Double(counts[layer]) / Double(max(1, prunableWeights))) }
        } else {
            for layer in prunableLayers { removed[layer] = Pruner.removalCount(of: counts[layer], sparsity: sparsity) }
        }
        return PointCost(method: method, sparsity: sparsity, layer: nil, prunedLayerSizes: layerSizes, removedWeights: removed,
                         maskedWeights: prunableWeights, count: spec.repeats)
    }
}
