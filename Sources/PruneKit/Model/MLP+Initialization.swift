extension MLP {
    /// A network with Glorot-uniform weights (Keras's default, as in the reference experiment):
    /// each weight uniform in ±sqrt(6 / (inputs + outputs)); biases start at zero.
    /// `layerSizes` is `[inputs, hidden..., classes]`. The same seed gives the same weights.
    public static func glorotUniform(layerSizes: [Int], bias: Bool, seed: UInt64) -> MLP {
        precondition(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 > 0 },
                     "layer sizes \(layerSizes): need at least inputs and outputs, all positive")
        var generator = SeededGenerator(seed: seed)
        var weights: [Matrix] = []
        for (inputs, outputs) in zip(layerSizes, layerSizes.dropFirst()) {
            let limit = (6 / Float(inputs + outputs)).squareRoot()
            var w = Matrix(rows: inputs, cols: outputs)
            for i in 0..<w.count { w.data[i] = (generator.nextUnitFloat() * 2 - 1) * limit }
            weights.append(w)
        }
        let biases = bias ? layerSizes.dropFirst().map { [Float](repeating: 0, count: $0) } : []
        return MLP(weights: weights, biases: biases)
    }
}
