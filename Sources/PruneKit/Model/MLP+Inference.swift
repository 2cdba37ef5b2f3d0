/// Accuracy and mean softmax cross-entropy of a model on a sample set.
public struct Evaluation: Sendable, Equatable, Codable {
    /// Fraction of samples classified correctly, 0...1.
    public var accuracy: Double
    /// Mean softmax cross-entropy (natural log).
    public var loss: Double

    /// An evaluation from already measured metrics.
    public init(accuracy: Double, loss: Double) {
        self.accuracy = accuracy
        self.loss = loss
    }
}

extension MLP {
    /// Dense forward pass for inference: the logits (`input.rows x classes`) of a batch of
    /// samples (`input.rows x inputs`), ReLU after every layer but the last.
    public func logits(_ input: Matrix) -> Matrix {
        precondition(input.cols == weights[0].rows, "the model takes \(weights[0].rows) inputs, the batch has \(input.cols)")
        var x = input
        for i in weights.indices { x = denseLayer(i, input: x) }
        return x
    }

    /// Layer `i` of the forward pass through OpenBLAS, its output columns split across the cores.
    func denseLayer(_ i: Int, input x: Matrix) -> Matrix {
        let w = weights[i]
        // linearForward writes every output: the bias first, or OpenBLAS's zeroing (beta 0).
        return Matrix(rows: x.rows, cols: w.cols) { yp in
            guard !yp.isEmpty else { return }
            x.data.withUnsafeBufferPointer { xp in
                w.data.withUnsafeBufferPointer { wp in
                    withBiasPointer(layer: i) { bias in
                        linearForward(output: yp.baseAddress!, input: xp.baseAddress!, weight: wp.baseAddress!, bias: bias,
                                      relu: i < weights.count - 1, rows: x.rows, inputs: w.rows, outputs: w.cols)
                    }
                }
            }
        }
    }

    /// Samples per batch of an evaluation: also the sweep's timing input, so that each batch of a
    /// point's evaluation is one of its timed runs. (Earlier versions evaluated 1,000 at a time;
    /// OpenBLAS's products and the loss's sum in double depend on the batch's size in their last bits.)
    public static let evaluationBatchSize = 500

    /// Test accuracy and mean loss over all of `data`, `batchSize` samples at a time.
    public func evaluate(on data: LabeledImages, batchSize: Int = evaluationBatchSize) -> Evaluation {
        evaluate(on: data, batchSize: batchSize) { logits($0) }
    }

    /// `evaluate(on:batchSize:)` with each batch's logits from `logitsOf`, which must return exactly
    /// `logits(batch)`: the timed evaluation computes them in parts, timing each against the
    /// pruned network's other representation.
    public func evaluate(on data: LabeledImages, batchSize: Int = evaluationBatchSize, logitsOf: (Matrix) -> Matrix) -> Evaluation {
        precondition(batchSize > 0, "batch size must be positive")
        precondition(data.features == weights[0].rows, "the model takes \(weights[0].rows) inputs, the data has \(data.features)")
        guard data.count > 0 else { return Evaluation(accuracy: 0, loss: 0) }
        let classes = weights[weights.count - 1].cols
        var batch = Matrix(rows: 0, cols: data.features)
        var labels = [Int32](repeating: 0, count: batchSize)
        var lossSum = 0.0
        var correct = 0
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let indices = start..<min(data.count, start + batchSize)
            data.fillBatch(indices, into: &batch)
            let out = logitsOf(batch)
            labels.withUnsafeMutableBufferPointer { lp in
                data.labels(at: indices, into: lp.baseAddress!)
                out.data.withUnsafeBufferPointer { op in
                    lossSum += softmaxCrossEntropy(logits: op.baseAddress!, labels: lp.baseAddress!, rows: indices.count,
                                                   classes: classes, logitsGradient: nil)
                    correct += correctPredictions(logits: op.baseAddress!, labels: lp.baseAddress!, rows: indices.count, classes: classes)
                }
            }
        }
        return Evaluation(accuracy: Double(correct) / Double(data.count), loss: lossSum / Double(data.count))
    }

    /// Calls `body` with layer `i`'s bias values, or nil when the model has no biases.
    func withBiasPointer<R>(layer i: Int, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard hasBias else { return body(nil) }
        return biases[i].withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
