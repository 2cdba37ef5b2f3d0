/// The result of pruning one network with one method at one target sparsity.
///
/// Weight methods keep the network's shape and zero single weights (`masks` says which);
/// unit methods delete whole hidden units, so `model` is a physically smaller dense network
/// and `keptUnits` maps its units back to the original ones.
public struct PrunedNetwork: Sendable {
    /// The criterion that chose what to remove.
    public var method: PruningMethod
    /// The requested sparsity, in percent.
    public var targetSparsity: Double
    /// Weight methods: the original shape with pruned weights at zero. Unit methods: the shrunk network.
    public var model: MLP
    /// Weight methods: the mask to hold during fine-tuning (nil for layers left alone). Nil for unit methods.
    public var masks: WeightMasks?
    /// Unit methods: per hidden layer, the ascending indices of the original units kept. Empty for weight methods.
    public var keptUnits: [[Int]]
    /// Per layer, the fraction (0...1) of that layer's original weights removed, by this
    /// layer's own pruning or by units deleted on either side of it.
    public var layerSparsity: [Double]
    /// The fraction (0...1) of all the original network's weights removed (every layer counts,
    /// including one left unpruned, so it sits slightly below the target when the last layer is spared).
    public var achievedSparsity: Double
    /// Weights and biases of `model` that are not zero.
    public var nonzeroParameters: Int
    /// Weights and biases of the original network.
    public var originalParameters: Int
    /// `layerSizes` of the original network (equal to `model.layerSizes` for weight methods).
    public var originalLayerSizes: [Int]

    /// Assembles a result from its parts; `Pruner` builds these, so a caller rarely needs to.
    public init(method: PruningMethod, targetSparsity: Double, model: MLP, masks: WeightMasks?,
                keptUnits: [[Int]], layerSparsity: [Double], achievedSparsity: Double,
                nonzeroParameters: Int, originalParameters: Int, originalLayerSizes: [Int]) {
        self.method = method
        self.targetSparsity = targetSparsity
        self.model = model
        self.masks = masks
        self.keptUnits = keptUnits
        self.layerSparsity = layerSparsity
        self.achievedSparsity = achievedSparsity
        self.nonzeroParameters = nonzeroParameters
        self.originalParameters = originalParameters
        self.originalLayerSizes = originalLayerSizes
    }

    /// The pruned network in the original shape: for unit methods, the deleted units come back
    /// as zero columns (and zero bias entries) with zero rows in the next layer, so it computes
    /// exactly what `model` computes. For weight methods, `model` itself.
    public func expandedModel() -> MLP {
        guard method.removesUnits else { return model }
        return UnitShrinker.expand(model, keptUnits: keptUnits, originalLayerSizes: originalLayerSizes)
    }
}
