/// Which weights of an MLP are held at zero: per layer, nil (no mask) or a matrix of the
/// layer's shape holding 1 (keep) or 0 (pruned). Produced by pruning, honoured by training:
/// fine-tuning a weight-pruned network keeps its pruned weights at exactly zero.
public struct WeightMasks: Equatable, Sendable {
    /// One entry per layer: nil leaves the layer free, a 0/1 matrix of its shape fixes its zeros.
    public var layers: [Matrix?]

    /// Masks from one entry per layer of the model they will be applied to.
    public init(layers: [Matrix?]) {
        self.layers = layers
    }

    /// Zeroes the masked weights of `model` in place.
    public func apply(to model: inout MLP) {
        precondition(layers.count == model.layerCount, "one mask slot per layer")
        for (i, mask) in layers.enumerated() {
            guard let mask else { continue }
            precondition(mask.rows == model.weights[i].rows && mask.cols == model.weights[i].cols, "mask \(i) shape")
            model.weights[i].data.withUnsafeMutableBufferPointer { w in
                mask.data.withUnsafeBufferPointer { m in
                    for j in 0..<w.count { w[j] *= m[j] }
                }
            }
        }
    }
}
