/// What a sweep costs, taken apart the way the engine runs it, so that an estimate can say
/// which spec fields drive it. `SweepMemoryModel` lists the moments where memory peaks and
/// `SweepWorkModel` the work; both read the shapes from here.
///
/// Extension point for schedules (issue 11): a schedule is more `TrainingRun`s (rounds,
/// rewinds, controls) and more `PointCost`s (each-layer scope); the memory and work models
/// cost whatever runs and points `SweepCostModel` lists.
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
        /// The network the point evaluates, times and fine-tunes: the original shape for
        /// weight methods, the shrunk one for unit methods.
        var prunedLayerSizes: [Int]
        /// Per layer, weights set to zero (weight methods; all zero for unit methods).
        var removedWeights: [Int]
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

    /// Every training run of the sweep.
    var trainingRuns: [TrainingRun] {
        let hidden = ["/model/hidden"]
        var runs = [TrainingRun(layerSizes: layerSizes, epochs: spec.training.epochs, maskedWeights: 0, count: spec.repeats,
                                heldParameters: 2 * parameters,  // the initial network and the trained one it becomes
                                fields: ["/training/epochs"] + trainCountFields + hidden + ["/repeats"])]
        if spec.pruning.finetuneEpochs > 0 {
            for point in distinctPoints {
                let pruned = Self.parameterCount(point.prunedLayerSizes, bias: spec.model.bias)
                // The trained original, the pruned network, and the fine-tuned one it becomes.
                runs.append(TrainingRun(layerSizes: point.prunedLayerSizes, epochs: spec.pruning.finetuneEpochs,
                                        maskedWeights: point.method.removesUnits ? 0 : prunableWeights,
                                        count: point.count, heldParameters: parameters + 2 * pruned,
                                        fields: ["/pruning/finetune_epochs", "/pruning/sparsities", "/pruning/methods"]
                                            + trainCountFields + hidden + ["/repeats"]))
            }
        }
        return runs
    }

    var prunableWeights: Int {
        let counts = Self.weightCounts(layerSizes)
        return prunableLayers.reduce(0) { $0 + counts[$1] }
    }

    /// The points of one repeat, each counted `repeats` times (every repeat has the same shapes).
    var distinctPoints: [PointCost] {
        spec.pruning.methods.flatMap { method in
            spec.pruning.sparsities.map { point(method, $0) }
        }
    }

    private func point(_ method: PruningMethod, _ sparsity: Double) -> PointCost {
        let counts = Self.weightCounts(layerSizes)
        if method.removesUnits {
            var sizes = layerSizes
            for i in 1..<(sizes.count - 1) { sizes[i] -= Pruner.removalCount(of: sizes[i], sparsity: sparsity) }
            return PointCost(method: method, sparsity: sparsity, prunedLayerSizes: sizes,
                             removedWeights: counts.map { _ in 0 }, count: spec.repeats)
        }
        var removed = counts.map { _ in 0 }
        if method == .globalWeight {
            // One threshold across layers: the count is global; spread it in proportion to size.
            let total = Pruner.removalCount(of: prunableWeights, sparsity: sparsity)
            for layer in prunableLayers { removed[layer] = Int(Double(total) * Double(counts[layer]) / Double(max(1, prunableWeights))) }
        } else {
            for layer in prunableLayers { removed[layer] = Pruner.removalCount(of: counts[layer], sparsity: sparsity) }
        }
        return PointCost(method: method, sparsity: sparsity, prunedLayerSizes: layerSizes, removedWeights: removed, count: spec.repeats)
    }
}
