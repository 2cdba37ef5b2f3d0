/// The pieces every schedule is made of, each a pure function of its inputs (so a resumed sweep
/// recomputes exactly what a straight run computed).
enum ScheduleSteps {
    /// One iterative step: prunes `previous` (nil: the trained network `trained`, for the first
    /// step) further to `sparsity`, keeping what it removed. With `rewindTo`, the surviving
    /// weights are then reset to those of `rewindTo` (the network at initialisation or after
    /// epoch k of the original training; same shape as `trained`).
    static func iterativeStep(previous: PrunedNetwork?, trained: MLP, method: PruningMethod, sparsity: Double,
                                     options: PruningOptions, rewindTo: MLP? = nil) -> PrunedNetwork {
        let start = previous?.expandedModel() ?? trained
        var network = Pruner.prune(start, method: method, sparsity: sparsity, options: options,
                                   prior: previous.map(PriorPruning.init) ?? .nothing)
        if let rewindTo { network = rewound(network, to: rewindTo) }
        return network
    }

    /// `network` with its surviving weights (and biases) taken from `source`, a network of the
    /// original shape: the same mask (or the same kept units), other values.
    static func rewound(_ network: PrunedNetwork, to source: MLP) -> PrunedNetwork {
        precondition(source.layerSizes == network.originalLayerSizes, "the rewind point must have the original shape")
        var result = network
        if network.method.removesUnits {
            result.model = UnitShrinker.shrink(source, keptUnits: network.keptUnits)
        } else {
            var model = source
            network.masks?.apply(to: &model)
            result.model = model
        }
        result.nonzeroParameters = result.model.nonzeroParameterCount
        return result
    }

    /// The random-reinit control's starting point: `network`'s mask (or kept units) on fresh
    /// Glorot-uniform weights drawn with `seed`.
    static func randomlyReinitialized(_ network: PrunedNetwork, seed: UInt64) -> PrunedNetwork {
        let fresh = MLP.glorotUniform(layerSizes: network.originalLayerSizes, bias: network.model.hasBias, seed: seed)
        return rewound(network, to: fresh)
    }

    /// Prunes at initialisation: `initial` pruned to `sparsity` by `method` (magnitude, random,
    /// SNIP on a batch, or SynFlow without data), to be trained with its mask held.
    static func atInit(_ initial: MLP, method: PruningMethod, sparsity: Double, options: PruningOptions) -> PrunedNetwork {
        Pruner.prune(initial, method: method, sparsity: sparsity, options: options)
    }

    /// The network a gradual run ends with, from its final weights (original shape, masked).
    static func finalNetwork(of gradual: GradualPruner, model: MLP) -> PrunedNetwork {
        gradual.network(from: model)
    }
}

/// Gradual pruning during one training run: before the steps the curve says, recomputes the
/// masks from the current weights (keeping what was removed), so sparsity follows the cubic
/// curve to its target at t1 and is held after. Unit methods hold removed units at zero
/// (columns and the next layer's rows) while training; the network is shrunk at the end.
final class GradualPruner {
    let curve: GradualCurve
    let method: PruningMethod
    let options: PruningOptions
    let layerSizes: [Int]
    /// What has been removed so far.
    private(set) var prior: PriorPruning = .nothing
    /// (step, sparsity) of every mask update, in order.
    private(set) var updates: [(step: Int, sparsity: Double)] = []

    init(curve: GradualCurve, method: PruningMethod, options: PruningOptions, layerSizes: [Int]) {
        self.curve = curve
        self.method = method
        self.options = options
        self.layerSizes = layerSizes
    }

    /// The trainer's mask hook: new masks before the curve's update steps, nil otherwise.
    func masks(beforeStep step: Int, model: () -> MLP) -> WeightMasks? {
        guard curve.updatesMask(atStep: step) else { return nil }
        let sparsity = curve.sparsity(atStep: step)
        let network = Pruner.prune(model(), method: method, sparsity: sparsity, options: options, prior: prior)
        prior = PriorPruning(network)
        updates.append((step, sparsity))
        return currentMasks
    }

    /// The masks holding what has been removed so far (nil before the first update).
    var currentMasks: WeightMasks? {
        switch prior {
        case .nothing: return nil
        case let .weights(masks): return masks
        case let .units(kept): return UnitShrinker.masks(keptUnits: kept, layerSizes: layerSizes)
        }
    }

    /// The pruned network from the run's final weights: masked, or shrunk for unit methods.
    func network(from model: MLP) -> PrunedNetwork {
        switch prior {
        case .nothing:
            return Pruner.prune(model, method: method, sparsity: 0, options: options)
        case let .weights(masks):
            let removed = masks.layers.map { mask in mask.map { m in m.data.indices.filter { m.data[$0] == 0 } } }
            return Pruner.maskedNetwork(model, method: method, sparsity: curve.finalSparsity, removed: removed)
        case let .units(kept):
            return Pruner.shrunkNetwork(model, method: method, sparsity: curve.finalSparsity, keptUnits: kept)
        }
    }
}
