/// Prunes a trained MLP with one of the methods of `PruningMethod`.
///
/// Conventions, the same for every method:
/// - **Counting.** Removing k% of n items removes `removalCount(of: n, sparsity: k)` =
///   floor(n * k / 100) of them, so a layer never loses more than asked, and never all of
///   itself (k < 100).
/// - **Ties.** Equal magnitudes (or norms) are broken by position: the lower row-major index
///   (for units, the lower unit index; across layers, the earlier layer) goes first.
/// - **The last layer** is left alone unless `pruneLastLayer` is set. Unit methods never remove
///   output classes, so for them the flag changes nothing: the last layer only loses the input
///   rows of units deleted from the layer before it.
/// - **Random baselines** draw from a generator seeded with `seed`; the same seed gives the same result.
public enum Pruner {
    /// Prunes `model` by `method` at `sparsity` percent (0 ..< 100).
    public static func prune(_ model: MLP, method: PruningMethod, sparsity: Double,
                             pruneLastLayer: Bool, seed: UInt64) -> PrunedNetwork {
        precondition(sparsity >= 0 && sparsity < 100, "sparsity is a percentage in 0 ..< 100, got \(sparsity)")
        var random = SeededGenerator(seed: seed)
        if method.removesUnits {
            let kept = keptUnits(model, method: method, sparsity: sparsity, random: &random)
            return shrunkNetwork(model, method: method, sparsity: sparsity, keptUnits: kept)
        }
        let removed = removedWeights(model, method: method, sparsity: sparsity, pruneLastLayer: pruneLastLayer, random: &random)
        return maskedNetwork(model, method: method, sparsity: sparsity, removed: removed)
    }

    // MARK: - Choosing

    /// Per hidden layer, the units to keep (ascending).
    private static func keptUnits(_ model: MLP, method: PruningMethod, sparsity: Double,
                                  random: inout SeededGenerator) -> [[Int]] {
        model.weights.dropLast().map { weights in
            let count = removalCount(of: weights.cols, sparsity: sparsity)
            return method == .unit
                ? UnitSelection.keepLargestNorms(UnitSelection.columnNorms(weights), removing: count)
                : UnitSelection.keepRandom(units: weights.cols, removing: count, using: &random)
        }
    }

    /// Per layer, the flat indices of the weights to zero; nil for a layer left alone.
    private static func removedWeights(_ model: MLP, method: PruningMethod, sparsity: Double, pruneLastLayer: Bool,
                                       random: inout SeededGenerator) -> [[Int]?] {
        let prunable = model.weights.indices.filter { pruneLastLayer || $0 < model.layerCount - 1 }
        var removed = [[Int]?](repeating: nil, count: model.layerCount)
        switch method {
        case .weight:
            for layer in prunable {
                let weights = model.weights[layer].data
                removed[layer] = WeightSelection.smallestMagnitudes(weights, count: removalCount(of: weights.count, sparsity: sparsity))
            }
        case .globalWeight:
            let total = prunable.reduce(0) { $0 + model.weights[$1].count }
            let chosen = WeightSelection.smallestMagnitudes(acrossLayers: prunable.map { model.weights[$0].data },
                                                            count: removalCount(of: total, sparsity: sparsity))
            for (slot, layer) in prunable.enumerated() { removed[layer] = chosen[slot] }
        case .randomWeight:
            for layer in prunable {
                let n = model.weights[layer].count
                removed[layer] = WeightSelection.random(from: n, count: removalCount(of: n, sparsity: sparsity), using: &random)
            }
        case .unit, .randomUnit:
            preconditionFailure("\(method) removes units, not weights")
        }
        return removed
    }

    /// How many of `n` items pruning at `sparsity` percent removes: floor(n * sparsity / 100).
    /// A relative slack of 1e-12 absorbs binary representation error (100 * 0.29 is 28.999...).
    public static func removalCount(of n: Int, sparsity: Double) -> Int {
        let exact = Double(n) * sparsity / 100
        return min(n, max(0, Int((exact * (1 + 1e-12)).rounded(.down))))
    }

    // MARK: - Assembling the result

    /// Zeroes the `removed` flat indices of each layer (nil: layer left alone, no mask).
    private static func maskedNetwork(_ original: MLP, method: PruningMethod, sparsity: Double,
                                      removed: [[Int]?]) -> PrunedNetwork {
        var model = original
        var masks = [Matrix?](repeating: nil, count: original.layerCount)
        for (layer, indices) in removed.enumerated() {
            guard let indices else { continue }
            let shape = original.weights[layer]
            var mask = Matrix(rows: shape.rows, cols: shape.cols, repeating: 1)
            for index in indices {
                mask.data[index] = 0
                model.weights[layer].data[index] = 0
            }
            masks[layer] = mask
        }
        let removedCounts = removed.map { $0?.count ?? 0 }
        return assemble(original, model: model, method: method, sparsity: sparsity, masks: WeightMasks(layers: masks),
                        keptUnits: [], removedPerLayer: removedCounts)
    }

    private static func shrunkNetwork(_ original: MLP, method: PruningMethod, sparsity: Double,
                                      keptUnits: [[Int]]) -> PrunedNetwork {
        let model = UnitShrinker.shrink(original, keptUnits: keptUnits)
        let removedCounts = zip(original.weights, model.weights).map { $0.count - $1.count }
        return assemble(original, model: model, method: method, sparsity: sparsity, masks: nil,
                        keptUnits: keptUnits, removedPerLayer: removedCounts)
    }

    private static func assemble(_ original: MLP, model: MLP, method: PruningMethod, sparsity: Double,
                                 masks: WeightMasks?, keptUnits: [[Int]], removedPerLayer: [Int]) -> PrunedNetwork {
        let layerSparsity = zip(removedPerLayer, original.weights).map { removed, weights in
            weights.count == 0 ? 0 : Double(removed) / Double(weights.count)
        }
        let originalWeights = original.weights.reduce(0) { $0 + $1.count }
        let removedWeights = removedPerLayer.reduce(0, +)
        return PrunedNetwork(
            method: method, targetSparsity: sparsity, model: model, masks: masks, keptUnits: keptUnits,
            layerSparsity: layerSparsity,
            achievedSparsity: originalWeights == 0 ? 0 : Double(removedWeights) / Double(originalWeights),
            nonzeroParameters: model.nonzeroParameterCount,
            originalParameters: original.parameterCount,
            originalLayerSizes: original.layerSizes)
    }
}

extension MLP {
    /// Weights and biases that are not exactly zero.
    public var nonzeroParameterCount: Int {
        weights.reduce(0) { $0 + $1.data.reduce(0) { $1 != 0 ? $0 + 1 : $0 } }
            + biases.reduce(0) { $0 + $1.reduce(0) { $1 != 0 ? $0 + 1 : $0 } }
    }
}
