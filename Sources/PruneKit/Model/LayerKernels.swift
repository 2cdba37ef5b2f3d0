import Foundation

// The forward and backward pass of each kind of layer, one function each, on raw row-major
// storage (in the manner of llm.c). `B` is the number of rows (samples) in the batch.
// Weights are `inputs x outputs`: a layer computes `Y = X W + b`.

/// `output[B x outputs] = input[B x inputs] * weight[inputs x outputs] (+ bias)`.
func linearForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                   weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                   rows B: Int, inputs: Int, outputs: Int) {
    if let bias {
        for r in 0..<B { (output + r * outputs).update(from: bias, count: outputs) }
    }
    GEMM.multiply(m: B, n: outputs, k: inputs, a: input, lda: inputs, b: weight, ldb: outputs,
                  beta: bias == nil ? 0 : 1, c: output, ldc: outputs)
}

/// Given `outputGradient` = dL/dY, writes dL/dW into `weightGradient`, dL/db into `biasGradient`
/// (when the layer has a bias) and dL/dX into `inputGradient` (when the caller needs it: the
/// first layer's input is data, so its gradient is skipped).
func linearBackward(inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>,
                    biasGradient: UnsafeMutablePointer<Float>?, outputGradient: UnsafePointer<Float>,
                    input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                    rows B: Int, inputs: Int, outputs: Int) {
    // dW = X^T dY   (inputs x outputs)
    GEMM.multiply(transposeA: true, m: inputs, n: outputs, k: B, a: input, lda: inputs,
                  b: outputGradient, ldb: outputs, c: weightGradient, ldc: outputs)
    if let biasGradient {
        VectorKernels.columnSums(outputGradient, rows: B, cols: outputs, into: biasGradient)
    }
    // dX = dY W^T   (B x inputs)
    if let inputGradient {
        GEMM.multiply(transposeB: true, m: B, n: inputs, k: outputs, a: outputGradient, lda: outputs,
                      b: weight, ldb: outputs, c: inputGradient, ldc: inputs)
    }
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
        let logTotal = logf(total)
        lossSum += Double(logTotal - (row[label] - largest))
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
