/// How a pruning call chooses, beyond the method and the target.
public struct PruningOptions: Sendable {
    /// Whether the last layer's weights may be zeroed (unit methods never remove output classes).
    public var pruneLastLayer: Bool
    /// Seeds the random baselines and the batches that data-driven criteria read.
    public var seed: UInt64
    /// Each-layer scope: only these layers (weight-matrix indices) are pruned; nil: every prunable layer.
    public var layers: Set<Int>?
    /// Training samples for the criteria that read data (`taylor-unit`, `snip`).
    public var data: LabeledImages?
    /// Samples per batch for those criteria.
    public var batchSize: Int
    /// Batches over which `taylor-unit` sums its importance (Molchanov et al. used a few dozen).
    public var taylorBatches: Int
    /// Rounds of SynFlow's exponential schedule (Tanaka et al.: 100).
    public var synflowRounds: Int

    /// Options with the seed experiment's defaults for everything not given.
    public init(pruneLastLayer: Bool = false, seed: UInt64 = 0, layers: Set<Int>? = nil, data: LabeledImages? = nil,
                batchSize: Int = 64, taylorBatches: Int = 32, synflowRounds: Int = 100) {
        self.pruneLastLayer = pruneLastLayer
        self.seed = seed
        self.layers = layers
        self.data = data
        self.batchSize = batchSize
        self.taylorBatches = taylorBatches
        self.synflowRounds = synflowRounds
    }

    /// The first `count` batches of a shuffle of the training samples seeded by `seed`.
    func batches(_ count: Int) -> [[Int]] {
        guard let data, data.count > 0 else { preconditionFailure("this criterion needs training data") }
        var order = Array(0..<data.count)
        var generator = SeededGenerator(seed: seed)
        generator.shuffle(&order)
        return (0..<count).compactMap { b in
            let start = b * batchSize
            guard start < data.count else { return nil }
            return Array(order[start..<min(data.count, start + batchSize)])
        }
    }
}

/// What earlier pruning already removed from a network of the original shape: iterative
/// steps and gradual updates keep it removed (nothing regrows).
public enum PriorPruning: Sendable {
    case nothing
    /// Weight methods: the masks held so far.
    case weights(WeightMasks)
    /// Unit methods: per hidden layer, the ascending original indices of the units kept so far.
    case units(keptUnits: [[Int]])

    /// The prior pruning a pruned network carries.
    public init(_ network: PrunedNetwork) {
        if network.method.removesUnits {
            self = .units(keptUnits: network.keptUnits)
        } else if let masks = network.masks {
            self = .weights(masks)
        } else {
            self = .nothing
        }
    }
}
