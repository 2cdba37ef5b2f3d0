/// Prunes an MLP with one of the methods of `PruningMethod`.
///
/// Conventions, the same for every method:
/// - **Counting.** Removing k% of n items removes `removalCount(of: n, sparsity: k)` =
///   floor(n * k / 100) of them, so a layer never loses more than asked, and never all of
///   itself (k < 100).
/// - **Ties.** Equal scores (magnitudes, norms, sensitivities) are broken by position: the lower
///   row-major index (for units, the lower unit index; across layers, the earlier layer) goes first.
/// - **The last layer** is left alone unless `pruneLastLayer` is set. Unit methods never remove
///   output classes, so for them the flag changes nothing: the last layer only loses the input
///   rows of units deleted from the layer before it.
/// - **Prior pruning** (iterative steps, gradual updates) stays removed, and counts towards the
///   target: k% is always of the original layer, so pruning to a higher target removes only the rest.
/// - **Random baselines** draw from a generator seeded with `seed`; the same seed gives the same result.
public enum Pruner {
    /// Prunes `model` by `method` at `sparsity` percent (0 ..< 100).
    public static func prune(_ model: MLP, method: PruningMethod, sparsity: Double,
                             pruneLastLayer: Bool, seed: UInt64) -> PrunedNetwork {
        prune(model, method: method, sparsity: sparsity, options: PruningOptions(pruneLastLayer: pruneLastLayer, seed: seed))
    }

    /// Prunes `model` (in the original shape) by `method` to `sparsity` percent, keeping removed
    /// whatever `prior` removed.
    public static func prune(_ model: MLP, method: PruningMethod, sparsity: Double, options: PruningOptions,
                             prior: PriorPruning = .nothing) -> PrunedNetwork {
        precondition(sparsity >= 0 && sparsity < 100, "sparsity is a percentage in 0 ..< 100, got \(sparsity)")
        var random = SeededGenerator(seed: options.seed)
        if method.removesUnits {
            var priorKept: [[Int]]?
            if case let .units(kept) = prior { priorKept = kept }
            let kept = keptUnits(model, method: method, sparsity: sparsity, options: options, priorKept: priorKept, random: &random)
            return shrunkNetwork(model, method: method, sparsity: sparsity, keptUnits: kept)
        }
        var priorMasks: WeightMasks?
        if case let .weights(masks) = prior { priorMasks = masks }
        let removed = removedWeights(model, method: method, sparsity: sparsity, options: options, priorMasks: priorMasks, random: &random)
        return maskedNetwork(model, method: method, sparsity: sparsity, removed: removed)
    }

    /// The layers (weight-matrix indices) a weight method may zero.
    public static func prunableWeightLayers(layerCount: Int, pruneLastLayer: Bool) -> [Int] {
        (0..<layerCount).filter { pruneLastLayer || $0 < layerCount - 1 }
    }

    // MARK: - Choosing

    /// Per hidden layer, the units to keep (ascending).
    private static func keptUnits(_ model: MLP, method: PruningMethod, sparsity: Double, options: PruningOptions,
                                  priorKept: [[Int]]?, random: inout SeededGenerator) -> [[Int]] {
        let taylor = method == .taylorUnit ? model.taylorUnitImportance(on: options.data!, batches: options.batches(options.taylorBatches)) : nil
        return model.weights.dropLast().enumerated().map { layer, weights in
            let units = weights.cols
            let survivors = priorKept?[layer] ?? Array(0..<units)
            let inScope = options.layers?.contains(layer) ?? true
            let alreadyRemoved = units - survivors.count
            let count = inScope ? max(removalCount(of: units, sparsity: sparsity), alreadyRemoved) : alreadyRemoved
            let more = count - alreadyRemoved
            switch method {
            case .randomUnit:
                let removed = Set(random.drawDistinct(more, from: survivors.count).map { survivors[$0] })
                return survivors.filter { !removed.contains($0) }
            case .unit:
                return UnitSelection.keepHighest(UnitSelection.columnNorms(weights), among: survivors, removing: more)
            case .taylorUnit:
                return UnitSelection.keepHighest(taylor![layer], among: survivors, removing: more)
            case .weight, .globalWeight, .randomWeight, .snip, .synflow:
                preconditionFailure("\(method) removes weights, not units")
            }
        }
    }

    /// Per layer, the flat indices of the weights to zero; nil for a layer left alone.
    private static func removedWeights(_ model: MLP, method: PruningMethod, sparsity: Double, options: PruningOptions,
                                       priorMasks: WeightMasks?, random: inout SeededGenerator) -> [[Int]?] {
        let prunable = prunableWeightLayers(layerCount: model.layerCount, pruneLastLayer: options.pruneLastLayer)
            .filter { options.layers?.contains($0) ?? true }
        var removed = [[Int]?](repeating: nil, count: model.layerCount)
        // A layer outside the scope keeps whatever it lost before.
        for (layer, mask) in (priorMasks?.layers ?? []).enumerated() where !prunable.contains(layer) {
            if let mask { removed[layer] = mask.data.indices.filter { mask.data[$0] == 0 } }
        }
        let held = prunable.map { priorMasks?.layers[$0] }
        func perLayer(_ scores: (Int) -> [Float]) {
            for (slot, layer) in prunable.enumerated() {
                let n = model.weights[layer].count
                removed[layer] = WeightSelection.lowestScores(acrossLayers: [scores(layer)], held: [held[slot]],
                                                              count: removalCount(of: n, sparsity: sparsity))[0]
            }
        }
        func global(_ scores: [[Float]]) {
            let total = prunable.reduce(0) { $0 + model.weights[$1].count }
            let chosen = WeightSelection.lowestScores(acrossLayers: scores, held: held, count: removalCount(of: total, sparsity: sparsity))
            for (slot, layer) in prunable.enumerated() { removed[layer] = chosen[slot] }
        }
        switch method {
        case .weight:
            perLayer { model.weights[$0].data.map(abs) }
        case .globalWeight:
            global(prunable.map { model.weights[$0].data.map(abs) })
        case .randomWeight:
            for (slot, layer) in prunable.enumerated() {
                let n = model.weights[layer].count
                removed[layer] = WeightSelection.random(from: n, count: removalCount(of: n, sparsity: sparsity), held: held[slot], using: &random)
            }
        case .snip:
            let batch = options.batches(1)[0]
            global(ConnectionSensitivity.scores(model, on: options.data!, indices: batch, layers: prunable))
        case .synflow:
            return SynapticFlow.removedWeights(model, sparsity: sparsity, layers: prunable, priorMasks: priorMasks,
                                               rounds: options.synflowRounds, base: removed)
        case .unit, .randomUnit, .taylorUnit:
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
    static func maskedNetwork(_ original: MLP, method: PruningMethod, sparsity: Double,
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

    static func shrunkNetwork(_ original: MLP, method: PruningMethod, sparsity: Double,
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
        nonzeroWeightCount + biases.reduce(0) { $0 + $1.reduce(0) { $1 != 0 ? $0 + 1 : $0 } }
    }

    /// Weights (biases aside) that are not exactly zero.
    public var nonzeroWeightCount: Int {
        weights.reduce(0) { $0 + $1.data.reduce(0) { $1 != 0 ? $0 + 1 : $0 } }
    }

    /// Weights, biases aside.
    public var weightCount: Int { weights.reduce(0) { $0 + $1.count } }
}
