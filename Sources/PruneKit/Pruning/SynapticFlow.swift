import Foundation

/// SynFlow (Tanaka et al. 2020): data-free pruning at initialisation that avoids layer collapse.
///
/// With every weight replaced by |w| and an input of ones, R = 1^T |W_1| |W_2| ... |W_L| 1 is the
/// total "synaptic flow"; a weight's score is dR/d|w| * |w|, the flow through it. Pruning takes
/// `rounds` steps along an exponential schedule (density d^(k/rounds) after round k), recomputing
/// the scores on the surviving weights each round, with one global threshold. Biases take no
/// part, and ReLU does nothing on positive values, so the flow is a chain of matrix products.
enum SynapticFlow {
    /// Per layer, the synaptic-flow score of every weight of `model` (held-removed weights count as 0).
    static func scores(_ model: MLP, masks: WeightMasks?) -> [[Double]] {
        let layers = model.weights.indices.map { l -> [Double] in
            let mask = masks?.layers[l]
            return model.weights[l].data.indices.map { i in
                mask.map { $0.data[i] == 0 } == true ? 0 : Double(abs(model.weights[l].data[i]))
            }
        }
        // Forward: x_l = x_{l-1} |W_l| from x_0 = 1; backward: g_L = 1, g_{l-1} = |W_l| g_l.
        var forward: [[Double]] = [[Double](repeating: 1, count: model.weights[0].rows)]
        for (l, w) in model.weights.enumerated() {
            var next = [Double](repeating: 0, count: w.cols)
            let x = forward[l]
            for r in 0..<w.rows where x[r] != 0 {
                for c in 0..<w.cols { next[c] += x[r] * layers[l][r * w.cols + c] }
            }
            forward.append(next)
        }
        var backward = [[Double]](repeating: [], count: model.layerCount)
        var g = [Double](repeating: 1, count: model.weights[model.layerCount - 1].cols)
        for l in stride(from: model.layerCount - 1, through: 0, by: -1) {
            backward[l] = g
            let w = model.weights[l]
            var previous = [Double](repeating: 0, count: w.rows)
            for r in 0..<w.rows {
                var sum = 0.0
                for c in 0..<w.cols { sum += layers[l][r * w.cols + c] * g[c] }
                previous[r] = sum
            }
            g = previous
        }
        return model.weights.indices.map { l in
            let cols = model.weights[l].cols
            return layers[l].indices.map { i in forward[l][i / cols] * backward[l][i % cols] * layers[l][i] }
        }
    }

    /// Per layer, the flat indices SynFlow removes to reach `sparsity` percent of the weights of
    /// `layers` (globally); `base` holds what the other layers keep as removed.
    static func removedWeights(_ model: MLP, sparsity: Double, layers: [Int], priorMasks: WeightMasks?,
                               rounds: Int, base: [[Int]?]) -> [[Int]?] {
        precondition(rounds > 0, "SynFlow needs at least one round")
        let total = layers.reduce(0) { $0 + model.weights[$1].count }
        let target = Pruner.removalCount(of: total, sparsity: sparsity)
        var masks = priorMasks ?? WeightMasks(layers: [Matrix?](repeating: nil, count: model.layerCount))
        var removed = base
        let density = 1 - sparsity / 100
        for round in 1...rounds {
            let keep = round == rounds ? total - target : Int((Double(total) * pow(density, Double(round) / Double(rounds))).rounded())
            let count = min(target, max(0, total - keep))
            let all = scores(model, masks: masks)
            // Scores can span hundreds of orders of magnitude; relative to the largest they fit a Float.
            let largest = layers.map { all[$0].max() ?? 0 }.max() ?? 0
            let scale = largest > 0 ? 1 / largest : 1
            let chosen = WeightSelection.lowestScores(acrossLayers: layers.map { all[$0].map { Float($0 * scale) } },
                                                      held: layers.map { masks.layers[$0] }, count: count)
            for (slot, layer) in layers.enumerated() {
                removed[layer] = chosen[slot]
                var mask = Matrix(rows: model.weights[layer].rows, cols: model.weights[layer].cols, repeating: 1)
                for index in chosen[slot] { mask.data[index] = 0 }
                masks.layers[layer] = mask
            }
        }
        return removed
    }
}
