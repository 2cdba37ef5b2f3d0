extension MLP {
    /// First-order Taylor importance of every hidden unit (Molchanov et al. 2017): per hidden
    /// layer, per unit, the sum over the samples of `batches` of |a * dL/da|, where a is the
    /// unit's output (after ReLU) on a sample and L the mean loss of that sample's batch. The
    /// change of the loss when the unit is removed, to first order.
    public func taylorUnitImportance(on data: LabeledImages, batches: [[Int]]) -> [[Double]] {
        precondition(data.features == weights[0].rows, "the model takes \(weights[0].rows) inputs, the data has \(data.features)")
        var importance = weights.dropLast().map { [Double](repeating: 0, count: $0.cols) }
        let last = layerCount - 1
        for indices in batches where !indices.isEmpty {
            let rows = indices.count
            var input = Matrix(rows: 0, cols: data.features)
            data.fillBatch(indices, into: &input)
            var labels = [Int32](repeating: 0, count: rows)
            labels.withUnsafeMutableBufferPointer { data.labels(at: indices, into: $0.baseAddress!) }

            // Forward, keeping every layer's output.
            var outputs: [[Float]] = []
            for (l, w) in weights.enumerated() {
                var y = [Float](repeating: 0, count: rows * w.cols)
                let x = l == 0 ? input.data : outputs[l - 1]
                x.withUnsafeBufferPointer { xp in
                    w.data.withUnsafeBufferPointer { wp in
                        y.withUnsafeMutableBufferPointer { yp in
                            let bias = hasBias ? biases[l] : nil
                            if let bias {
                                bias.withUnsafeBufferPointer { bp in
                                    linearForward(output: yp.baseAddress!, input: xp.baseAddress!, weight: wp.baseAddress!, bias: bp.baseAddress!,
                                                  relu: l < last, rows: rows, inputs: w.rows, outputs: w.cols)
                                }
                            } else {
                                linearForward(output: yp.baseAddress!, input: xp.baseAddress!, weight: wp.baseAddress!, bias: nil,
                                              relu: l < last, rows: rows, inputs: w.rows, outputs: w.cols)
                            }
                        }
                    }
                }
                outputs.append(y)
            }

            // Backward: dL/d(output of layer l - 1) = dL/dY_l W_l^T, masked by ReLU.
            var gradient = [Float](repeating: 0, count: rows * weights[last].cols)
            outputs[last].withUnsafeBufferPointer { op in
                labels.withUnsafeBufferPointer { lp in
                    gradient.withUnsafeMutableBufferPointer { gp in
                        _ = softmaxCrossEntropy(logits: op.baseAddress!, labels: lp.baseAddress!, rows: rows,
                                                classes: weights[last].cols, logitsGradient: gp.baseAddress!)
                    }
                }
            }
            for l in stride(from: last, through: 1, by: -1) {
                let w = weights[l]
                var inputGradient = [Float](repeating: 0, count: rows * w.rows)
                var weightGradient = [Float](repeating: 0, count: w.count)
                outputs[l - 1].withUnsafeBufferPointer { ap in
                    gradient.withUnsafeBufferPointer { gp in
                        w.data.withUnsafeBufferPointer { wp in
                            inputGradient.withUnsafeMutableBufferPointer { ip in
                                weightGradient.withUnsafeMutableBufferPointer { wgp in
                                    linearBackward(inputGradient: ip.baseAddress!, inputActivation: ap.baseAddress!,
                                                   weightGradient: wgp.baseAddress!, weightGradientIsZero: false, outputGradient: gp.baseAddress!,
                                                   input: ap.baseAddress!, weight: wp.baseAddress!,
                                                   rows: rows, inputs: w.rows, outputs: w.cols, inputRows: 0..<w.rows)
                                }
                            }
                        }
                    }
                }
                let activation = outputs[l - 1]
                for r in 0..<rows {
                    for u in 0..<w.rows {
                        importance[l - 1][u] += Double(abs(activation[r * w.rows + u] * inputGradient[r * w.rows + u]))
                    }
                }
                gradient = inputGradient
            }
        }
        return importance
    }
}
