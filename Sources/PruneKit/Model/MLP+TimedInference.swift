import CKernels

extension MLP {
    /// The logits of `input`, as `logits(_:)` computes them but faster for networks with narrow
    /// layers (unit-pruned networks, the last layer of any network): what inference timing runs.
    ///
    /// A layer with at most `narrowLayerOutputs` outputs and at least `narrowLayerMinimumInputs`
    /// inputs is a dot product per sample and output (`prunelab_small_dense_layer`), each input row
    /// read once from its row-major storage with the transposed weights in L1, where OpenBLAS would
    /// first pack the whole input for a kernel built for many outputs (1.6-3.5x slower, measured
    /// for 500 rows of 200-1000 inputs). Consecutive layers with few outputs run as one pass per
    /// core over its block of rows. Wider layers run exactly as in `logits(_:)`.
    ///
    /// Its dot products sum in another order than OpenBLAS, so logits may differ from
    /// `logits(_:)` in the last bits: accuracy and loss (`evaluate`) never use it.
    public func inferenceLogits(_ input: Matrix) -> Matrix {
        precondition(input.cols == weights[0].rows, "the model takes \(weights[0].rows) inputs, the batch has \(input.cols)")
        // No rows or an empty layer: nothing for the kernels to do faster.
        guard input.rows > 0, weights.allSatisfy({ $0.count > 0 }) else { return logits(input) }
        var x = input
        var layer = 0
        while layer < weights.count {
            guard Self.runsByRows(weights[layer]) else {
                x = denseLayer(layer, input: x)
                layer += 1
                continue
            }
            var end = layer + 1
            while end < weights.count && Self.runsByRows(weights[end]) { end += 1 }
            x = rowBlockLayers(layer..<end, input: x)
            layer = end
        }
        return x
    }

    /// Layers with at most this many outputs use the dot-product kernel (measured against
    /// OpenBLAS on 500 rows: faster up to 10-16 outputs at 784-1000 inputs, up to 10 at 200).
    static let narrowLayerOutputs = 10
    /// ... and at least this many inputs: with fewer, each dot product's fixed cost (summing the
    /// lanes, the remainder) outweighs OpenBLAS's packing (2-4x slower at 10-50 inputs).
    static let narrowLayerMinimumInputs = 128
    /// Layers with at most this many outputs are split by rows (one pass per core through all
    /// of them) rather than by output columns.
    static let rowSplitLayerOutputs = 16

    static func runsByRows(_ weight: Matrix) -> Bool { weight.cols <= rowSplitLayerOutputs }

    static func usesDotKernel(_ weight: Matrix) -> Bool {
        weight.cols <= narrowLayerOutputs && weight.rows >= narrowLayerMinimumInputs
    }

    /// Layers `range`, all with few outputs: the rows split into one block per core, each block
    /// going through every layer of `range` before the pass ends.
    private func rowBlockLayers(_ range: Range<Int>, input x: Matrix) -> Matrix {
        let rows = x.rows, last = weights.count - 1
        let widths = range.map { weights[$0].cols }
        // Every layer's output but the last in one scratch block (blocks of rows write disjoint rows).
        let offsets = widths.dropLast().reduce(into: [0]) { $0.append($0[$0.count - 1] + rows * $1) }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, offsets[offsets.count - 1]))
        defer { scratch.deallocate() }
        // The dot kernel's weights, transposed (outputs x inputs); the others' weights as they are.
        let kernelWeights: [[Float]] = range.map { Self.usesDotKernel(weights[$0]) ? Self.transpose(weights[$0]) : weights[$0].data }
        let minimumRows = max(2, Parallel.minimumParallelWork / max(1, range.reduce(0) { $0 + weights[$1].count }))
        var y = Matrix(rows: rows, cols: widths[widths.count - 1])
        Self.withBaseAddresses(kernelWeights[...]) { weightPointers in
            Self.withBaseAddresses(hasBias ? range.map { biases[$0] }[...] : []) { biasPointers in
                x.data.withUnsafeBufferPointer { xp in
                    y.data.withUnsafeMutableBufferPointer { yp in
                        let source = xp.baseAddress!, result = yp.baseAddress!
                        Parallel.forEachChunk(of: rows, minimumChunk: minimumRows, alignment: 2) { block in
                            var input = UnsafePointer(source + block.lowerBound * weights[range.lowerBound].rows)
                            for (slot, i) in range.enumerated() {
                                let w = weights[i]
                                let out = (slot == widths.count - 1 ? result : scratch + offsets[slot]) + block.lowerBound * w.cols
                                let bias = biasPointers.isEmpty ? nil : biasPointers[slot]
                                if Self.usesDotKernel(w) {
                                    prunelab_small_dense_layer(KernelInstructionSet.best.rawValue, input, Int64(block.count),
                                                               Int64(w.rows), weightPointers[slot], bias, Int64(w.cols),
                                                               i < last ? 1 : 0, out)
                                } else {
                                    linearForward(output: out, input: input, weight: weightPointers[slot], bias: bias,
                                                  relu: i < last, rows: block.count, inputs: w.rows, outputs: w.cols,
                                                  columns: 0..<w.cols)
                                }
                                input = UnsafePointer(out)
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Calls `body` with the base address of every array of `arrays` (none is empty), valid for the call.
    private static func withBaseAddresses<R>(_ arrays: ArraySlice<[Float]>, _ collected: [UnsafePointer<Float>] = [],
                                             _ body: ([UnsafePointer<Float>]) -> R) -> R {
        guard let first = arrays.first else { return body(collected) }
        return first.withUnsafeBufferPointer { withBaseAddresses(arrays.dropFirst(), collected + [$0.baseAddress!], body) }
    }

    /// `weight` (inputs x outputs) as outputs x inputs, row-major.
    static func transpose(_ weight: Matrix) -> [Float] {
        let inputs = weight.rows, outputs = weight.cols
        return [Float](unsafeUninitializedCapacity: weight.count) { target, initialized in
            weight.data.withUnsafeBufferPointer { source in
                for k in 0..<inputs {
                    for j in 0..<outputs { target[j * inputs + k] = source[k * outputs + j] }
                }
            }
            initialized = weight.count
        }
    }
}
