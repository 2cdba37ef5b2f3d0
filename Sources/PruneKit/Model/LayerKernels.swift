import Foundation

// The forward and backward pass of each kind of layer, one function each, on raw row-major
// storage (in the manner of llm.c). `B` is the number of rows (samples) in the batch.
// Weights are `inputs x outputs`: a layer computes `Y = X W + b`.
//
// The dense layer's passes work on a block of the layer (output columns forward, input rows
// backward) so each core can take a block and finish everything that block needs, without
// waiting for the other core in between.

/// `output[:, columns] = input * weight[:, columns] (+ bias[columns])`, then ReLU when `relu`.
func linearForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                   weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, relu: Bool,
                   rows B: Int, inputs: Int, outputs: Int, columns: Range<Int>) {
    let c0 = columns.lowerBound
    if let bias {
        for r in 0..<B { (output + r * outputs + c0).update(from: bias + c0, count: columns.count) }
    }
    GEMM.multiplyOnThisThread(m: B, n: columns.count, k: inputs, a: input, lda: inputs, b: weight + c0, ldb: outputs,
                              beta: bias == nil ? 0 : 1, c: output + c0, ldc: outputs)
    if relu {
        for r in 0..<B { VectorKernels.relu(output + r * outputs + c0, count: columns.count) }
    }
}

/// The whole forward pass of a dense layer, its output columns split across the cores.
func linearForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                   weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, relu: Bool,
                   rows B: Int, inputs: Int, outputs: Int) {
    Parallel.forEachBlock(of: outputs, work: B * inputs * outputs) { columns in
        linearForward(output: output, input: input, weight: weight, bias: bias, relu: relu,
                      rows: B, inputs: inputs, outputs: outputs, columns: columns)
    }
}

/// Backward pass of a dense layer for the input units `inputRows` (rows of W, columns of X),
/// given `outputGradient` = dL/dY:
/// - `inputGradient[:, inputRows]` = dY W[inputRows, :]^T, when the caller needs dL/dX (the
///   first layer's input is data, so it passes nil), zeroed where `inputActivation` (the
///   previous layer's ReLU output, when given) was clamped: that is ReLU's backward pass;
/// - `weightGradient[inputRows, :]` = X[:, inputRows]^T dY, added to what is there when
///   `weightGradientIsZero` (the optimizer left it zero; the same bits, without a zeroing pass).
/// Both read only W's rows `inputRows`, so the caller may update exactly those rows next.
func linearBackward(inputGradient: UnsafeMutablePointer<Float>?, inputActivation: UnsafePointer<Float>?,
                    weightGradient: UnsafeMutablePointer<Float>, weightGradientIsZero: Bool, outputGradient: UnsafePointer<Float>,
                    input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                    rows B: Int, inputs: Int, outputs: Int, inputRows: Range<Int>) {
    let r0 = inputRows.lowerBound
    if let inputGradient {
        GEMM.multiplyOnThisThread(transposeB: true, m: B, n: inputRows.count, k: outputs, a: outputGradient, lda: outputs,
                                  b: weight + r0 * outputs, ldb: outputs, c: inputGradient + r0, ldc: inputs)
        if let inputActivation {
            for r in 0..<B {
                VectorKernels.reluBackward(inputGradient + r * inputs + r0, activation: inputActivation + r * inputs + r0,
                                           count: inputRows.count)
            }
        }
    }
    GEMM.multiplyOnThisThread(transposeA: true, m: inputRows.count, n: outputs, k: B, a: input + r0, lda: inputs,
                              b: outputGradient, ldb: outputs, beta: weightGradientIsZero ? 1 : 0,
                              c: weightGradient + r0 * outputs, ldc: outputs)
}

/// dL/db of a dense layer: the column sums of dL/dY, rows added in order (reproducible).
func biasBackward(biasGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>, rows B: Int, outputs: Int) {
    VectorKernels.columnSums(outputGradient, rows: B, cols: outputs, into: biasGradient)
}

/// Mean softmax cross-entropy of `logits[B x classes]` against `labels`; when `logitsGradient`
/// is given, also writes dL/dlogits = (softmax - onehot) / B. Returns the summed (not mean)
/// loss so callers can average over several batches; sums run in a fixed order.
func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows B: Int, classes: Int,
                         logitsGradient: UnsafeMutablePointer<Float>?) -> Double {
    var lossSum = 0.0
    let scale = 1 / Float(B)
    for r in 0..<B {
        let row = logits + r * classes
        let label = Int(labels[r])
        var largest = row[0]
        for c in 1..<classes { largest = max(largest, row[c]) }
        var total: Float = 0
        for c in 0..<classes { total += expf(row[c] - largest) }
        lossSum += Double(logf(total) - (row[label] - largest))
        if let logitsGradient {
            let out = logitsGradient + r * classes
            let inverse = 1 / total
            for c in 0..<classes { out[c] = expf(row[c] - largest) * inverse * scale }
            out[label] -= scale
        }
    }
    return lossSum
}

/// Counts the rows whose largest logit (first one on ties) is at the label.
func correctPredictions(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows B: Int, classes: Int) -> Int {
    var correct = 0
    for r in 0..<B {
        let row = logits + r * classes
        var best = 0
        for c in 1..<classes where row[c] > row[best] { best = c }
        if best == Int(labels[r]) { correct += 1 }
    }
    return correct
}
