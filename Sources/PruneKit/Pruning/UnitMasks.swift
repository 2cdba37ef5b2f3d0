extension UnitShrinker {
    /// Masks of the original shape that hold the units not in `keptUnits` at zero: their
    /// columns in their own layer and their rows in the next. Used while unit pruning happens
    /// during training (gradual), before the network is physically shrunk at the end.
    static func masks(keptUnits: [[Int]], layerSizes sizes: [Int]) -> WeightMasks {
        precondition(keptUnits.count == sizes.count - 2, "one kept-unit list per hidden layer")
        var layers = (0..<sizes.count - 1).map { Matrix(rows: sizes[$0], cols: sizes[$0 + 1], repeating: 1) }
        for (hidden, kept) in keptUnits.enumerated() {
            let keep = Set(kept)
            for unit in 0..<sizes[hidden + 1] where !keep.contains(unit) {
                let w = layers[hidden]
                for r in 0..<w.rows { layers[hidden].data[r * w.cols + unit] = 0 }
                let next = layers[hidden + 1]
                for c in 0..<next.cols { layers[hidden + 1].data[unit * next.cols + c] = 0 }
            }
        }
        return WeightMasks(layers: layers)
    }
}

extension MLP {
    /// Per hidden layer, the units left with no nonzero incoming weight (bias included) or no
    /// nonzero outgoing weight: they pass nothing on, so a collapse of a layer shows here.
    public var deadUnitsPerLayer: [Int] {
        (0..<layerCount - 1).map { l in
            let w = weights[l], next = weights[l + 1]
            var dead = 0
            for unit in 0..<w.cols {
                var incoming = hasBias && biases[l][unit] != 0
                var r = 0
                while !incoming && r < w.rows { incoming = w.data[r * w.cols + unit] != 0; r += 1 }
                var outgoing = false
                var c = 0
                while !outgoing && c < next.cols { outgoing = next.data[unit * next.cols + c] != 0; c += 1 }
                if !incoming || !outgoing { dead += 1 }
            }
            return dead
        }
    }
}
