/// Turns a choice of kept hidden units into a physically smaller dense network, and back.
///
/// Layer i keeps the columns (and bias entries) of the units it keeps and the rows of the units
/// layer i - 1 keeps; the input features and the output classes are never removed.
enum UnitShrinker {
    /// `keptUnits[i]`: ascending indices of the units of hidden layer i (outputs of `weights[i]`) to keep.
    static func shrink(_ model: MLP, keptUnits: [[Int]]) -> MLP {
        precondition(keptUnits.count == model.layerCount - 1, "one kept-unit list per hidden layer")
        let layers = model.weights.indices
        let weights = layers.map { i in
            model.weights[i].gathering(rows: i == 0 ? nil : keptUnits[i - 1],
                                       cols: i == model.layerCount - 1 ? nil : keptUnits[i])
        }
        let biases = model.biases.enumerated().map { i, bias in
            i == model.layerCount - 1 ? bias : keptUnits[i].map { bias[$0] }
        }
        return MLP(weights: weights, biases: biases)
    }

    /// The inverse of `shrink` up to the deleted units, which come back with zero weights and biases.
    static func expand(_ model: MLP, keptUnits: [[Int]], originalLayerSizes sizes: [Int]) -> MLP {
        precondition(sizes.count == model.layerCount + 1 && keptUnits.count == model.layerCount - 1,
                     "original sizes and kept units must match the shrunk network's depth")
        let rowSlots = [Array(0..<sizes[0])] + keptUnits
        let colSlots = keptUnits + [Array(0..<sizes[sizes.count - 1])]
        var weights = [Matrix]()
        for i in model.weights.indices {
            let small = model.weights[i]
            var full = Matrix(rows: sizes[i], cols: sizes[i + 1])
            for (r, row) in rowSlots[i].enumerated() {
                for (c, col) in colSlots[i].enumerated() {
                    full.data[row * full.cols + col] = small.data[r * small.cols + c]
                }
            }
            weights.append(full)
        }
        let biases = model.biases.enumerated().map { i, small in
            var full = [Float](repeating: 0, count: sizes[i + 1])
            for (c, col) in colSlots[i].enumerated() { full[col] = small[c] }
            return full
        }
        return MLP(weights: weights, biases: biases)
    }
}

extension Matrix {
    /// The sub-matrix of the given rows and columns (nil: all of them), in the order given.
    fileprivate func gathering(rows rowIndices: [Int]?, cols colIndices: [Int]?) -> Matrix {
        let rowList = rowIndices ?? Array(0..<rows)
        let colList = colIndices ?? Array(0..<cols)
        var out = [Float]()
        out.reserveCapacity(rowList.count * colList.count)
        for r in rowList {
            let base = r * cols
            for c in colList { out.append(data[base + c]) }
        }
        return Matrix(rows: rowList.count, cols: colList.count, data: out)
    }
}
