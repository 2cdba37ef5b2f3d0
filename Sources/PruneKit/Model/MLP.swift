import Foundation

/// A multilayer perceptron: dense layers with ReLU between them and raw logits at the end
/// (softmax cross-entropy is applied by the loss, not the model).
///
/// Layer `i` maps `layerSizes[i]` inputs to `layerSizes[i + 1]` outputs through
/// `weights[i]` (`inputs x outputs`) and, when the model has biases, `biases[i]`.
public struct MLP: Equatable, Sendable {
    /// One `inputs x outputs` matrix per layer, input layer first.
    public var weights: [Matrix]
    /// Empty when the model has no biases (the reference network); else one vector per layer.
    public var biases: [[Float]]

    /// A model from its layers; consecutive shapes must chain and biases, if any, match each layer's outputs.
    public init(weights: [Matrix], biases: [[Float]] = []) {
        precondition(!weights.isEmpty, "an MLP needs at least one layer")
        for i in 1..<weights.count {
            precondition(weights[i - 1].cols == weights[i].rows,
                         "layer \(i - 1) has \(weights[i - 1].cols) outputs but layer \(i) takes \(weights[i].rows) inputs")
        }
        precondition(biases.isEmpty || biases.count == weights.count, "one bias vector per layer, or none")
        for (i, b) in biases.enumerated() {
            precondition(b.count == weights[i].cols, "bias \(i) has \(b.count) values for \(weights[i].cols) outputs")
        }
        self.weights = weights
        self.biases = biases
    }

    /// Whether the layers add a bias vector.
    public var hasBias: Bool { !biases.isEmpty }
    /// Number of weight layers (hidden layers plus the output layer).
    public var layerCount: Int { weights.count }
    /// `[inputs, hidden..., classes]`.
    public var layerSizes: [Int] { [weights[0].rows] + weights.map(\.cols) }
    /// Weights and biases, all counted, zeros included.
    public var parameterCount: Int {
        weights.reduce(0) { $0 + $1.count } + biases.reduce(0) { $0 + $1.count }
    }
}

extension MLP {
    /// The same shapes and every weight and bias the same to the bit (`==` would call -0 and 0
    /// equal and NaN unequal), so that the two compute the same logits to the bit.
    public func hasTheSameParameters(as other: MLP) -> Bool {
        func same(_ a: [Float], _ b: [Float]) -> Bool {
            a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in
                x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
            } }
        }
        return layerSizes == other.layerSizes && biases.count == other.biases.count
            && zip(weights, other.weights).allSatisfy { same($0.data, $1.data) }
            && zip(biases, other.biases).allSatisfy { same($0, $1) }
    }
}
