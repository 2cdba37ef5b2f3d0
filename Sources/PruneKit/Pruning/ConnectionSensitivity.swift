/// SNIP's criterion (Lee et al. 2019): the sensitivity of the loss to each connection,
/// |dL/dw * w|, on one training batch at initialisation.
enum ConnectionSensitivity {
    /// Per layer in `layers`, |g * w| for every weight, g the gradient of the batch's mean loss.
    static func scores(_ model: MLP, on data: LabeledImages, indices: [Int], layers: [Int]) -> [[Float]] {
        let gradients = model.lossAndGradients(on: data, indices: indices).gradients
        return layers.map { layer in
            zip(model.weights[layer].data, gradients.weights[layer].data).map { abs($0 * $1) }
        }
    }
}
