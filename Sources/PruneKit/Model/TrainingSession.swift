/// Everything a training run touches on every step, allocated once up front: the parameters
/// as one flat array (so the optimizer makes a single pass over contiguous memory), their
/// gradients, the masks, and per-layer activations sized for the largest batch.
final class TrainingSession {
    /// Where a layer's weights (`inputs x outputs`, row-major) and bias live in the flat arrays.
    struct LayerSlot {
        let inputs: Int
        let outputs: Int
        let weightOffset: Int
        let biasOffset: Int?
    }

    let layers: [LayerSlot]
    let parameterCount: Int
    let batchCapacity: Int
    let parameters: FloatBuffer
    let gradients: FloatBuffer
    /// What `gradients` holds between steps.
    private enum GradientContents {
        /// All zero: the optimizer consumed the last step's (and a new buffer starts so).
        case zero
        /// The last step's gradients, masked, for the caller to read (no optimizer ran).
        case lastGradients
    }
    private var gradientContents = GradientContents.zero
    /// Per layer, 1 where the weight trains and 0 where it is held at zero; nil: unmasked.
    private var masks: [FloatBuffer?]
    /// Two batch buffers, each the batch's input rows scaled to [0, 1] and its labels: a step
    /// trains on one while the next batch is gathered into the other (`step`'s `next`).
    private let inputs: [FloatBuffer]
    private let labels: [UnsafeMutablePointer<Int32>]
    /// What the batch buffers hold for the next step.
    private enum GatheredBatch {
        /// Nothing the next step can use: it gathers its batch itself.
        case none
        /// Buffer `buffer` holds the samples at `indices`, gathered during the last step.
        case next(buffer: Int, indices: [Int])
    }
    private var gathered = GatheredBatch.none
    /// Per layer, its output for the batch: after ReLU for hidden layers, logits for the last.
    private let activations: [FloatBuffer]
    /// Two buffers the backward pass alternates between for dL/d(layer output).
    private let outputGradient: FloatBuffer
    private let inputGradient: FloatBuffer

    init(model: MLP, batchCapacity: Int, masks: WeightMasks?) {
        precondition(batchCapacity > 0, "batch size must be positive")
        var slots: [LayerSlot] = []
        var offset = 0
        for w in model.weights {
            let weightOffset = offset
            offset += w.count
            var biasOffset: Int?
            if model.hasBias { biasOffset = offset; offset += w.cols }
            slots.append(LayerSlot(inputs: w.rows, outputs: w.cols, weightOffset: weightOffset, biasOffset: biasOffset))
        }
        layers = slots
        parameterCount = offset
        self.batchCapacity = batchCapacity
        parameters = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
        inputs = (0..<2).map { _ in FloatBuffer(count: batchCapacity * model.weights[0].rows) }
        labels = (0..<2).map { _ in .allocate(capacity: batchCapacity) }
        activations = model.weights.map { FloatBuffer(count: batchCapacity * $0.cols) }
        let widest = model.layerSizes.max()!
        outputGradient = FloatBuffer(count: batchCapacity * widest)
        inputGradient = FloatBuffer(count: batchCapacity * widest)
        if let masks {
            precondition(masks.layers.count == model.layerCount, "one mask slot per layer")
            self.masks = zip(masks.layers, model.weights).map { mask, w in
                guard let mask else { return nil }
                precondition(mask.rows == w.rows && mask.cols == w.cols, "mask \(mask.rows)x\(mask.cols) for a \(w.rows)x\(w.cols) layer")
                let buffer = FloatBuffer(count: mask.count)
                mask.data.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: mask.count) }
                return buffer
            }
        } else {
            self.masks = Array(repeating: nil, count: model.layerCount)
        }
        load(model)
    }

    deinit {
        for buffer in labels { buffer.deallocate() }
    }

    /// Copies `model`'s parameters in, zeroing the masked weights.
    func load(_ model: MLP) {
        for (i, slot) in layers.enumerated() {
            model.weights[i].data.withUnsafeBufferPointer {
                (parameters.pointer + slot.weightOffset).update(from: $0.baseAddress!, count: $0.count)
            }
            if let mask = masks[i] {
                VectorKernels.multiply(parameters.pointer + slot.weightOffset, by: mask.pointer, count: mask.count)
            }
            if let biasOffset = slot.biasOffset {
                model.biases[i].withUnsafeBufferPointer { (parameters.pointer + biasOffset).update(from: $0.baseAddress!, count: $0.count) }
            }
        }
    }

    /// Holds `newMasks` from now on and zeroes the weights they remove (gradual pruning). The
    /// optimizer's state for those weights is not zero, so after a change the caller re-applies
    /// the masks after every update (`applyMasks`) to keep the weights at zero.
    func replaceMasks(_ newMasks: WeightMasks) {
        precondition(newMasks.layers.count == layers.count, "one mask slot per layer")
        for (i, slot) in layers.enumerated() {
            guard let mask = newMasks.layers[i] else {
                masks[i] = nil
                continue
            }
            precondition(mask.rows == slot.inputs && mask.cols == slot.outputs, "mask \(mask.rows)x\(mask.cols) for a \(slot.inputs)x\(slot.outputs) layer")
            let buffer = masks[i] ?? FloatBuffer(count: mask.count)
            mask.data.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: mask.count) }
            masks[i] = buffer
        }
        applyMasks()
    }

    /// Zeroes the masked weights in the parameters.
    func applyMasks() {
        for (i, slot) in layers.enumerated() {
            if let mask = masks[i] {
                VectorKernels.multiply(parameters.pointer + slot.weightOffset, by: mask.pointer, count: mask.count)
            }
        }
    }

    /// The parameters (or, with `gradients: true`, the gradients of the last step run without
    /// an optimizer) in the shape of an MLP.
    func exportModel(gradients exportGradients: Bool = false) -> MLP {
        let source = exportGradients ? gradients.pointer : parameters.pointer
        let weights = layers.map { slot in
            Matrix(rows: slot.inputs, cols: slot.outputs,
                   data: Array(UnsafeBufferPointer(start: source + slot.weightOffset, count: slot.inputs * slot.outputs)))
        }
        let biases = layers.compactMap { slot in
            slot.biasOffset.map { Array(UnsafeBufferPointer(start: source + $0, count: slot.outputs)) }
        }
        return MLP(weights: weights, biases: biases)
    }

    /// One training step on the samples at `indices`: forward pass, backward pass, and, when
    /// an optimizer is given, its update, which consumes the gradients (they are left zero);
    /// without one, `gradients` holds dL/dparameters of the batch's mean loss (masked weights'
    /// gradients zeroed). Returns the batch's summed loss.
    ///
    /// `next`, the samples the following step will train on (from the same `data`), is gathered
    /// during this step's last region, by the core that finishes its block first; the following
    /// step then starts at once. A following step asked for other samples gathers them itself.
    ///
    /// Each layer's backward pass runs as one parallel region: every core takes a block of the
    /// layer's input rows and computes dL/dX for them (reading W's rows before they change),
    /// then dL/dW for the same rows, and the optimizer masks it and updates those rows of W
    /// while the gradient is still in its cache. Biases are small and updated after the region.
    @discardableResult
    func step<C: Collection>(data: LabeledImages, indices: C, optimizer: Optimizer?, next: C? = nil) -> Double where C.Element == Int {
        let rows = indices.count
        precondition(rows > 0 && rows <= batchCapacity, "batch of \(rows) samples for a session sized for \(batchCapacity)")
        let buffer: Int
        if case let .next(gatheredBuffer, gatheredIndices) = gathered, gatheredIndices.elementsEqual(indices) {
            buffer = gatheredBuffer
        } else {
            buffer = 0
            data.fillBatch(indices, into: inputs[buffer].pointer)
            data.labels(at: indices, into: labels[buffer])
        }
        let input = inputs[buffer].pointer, batchLabels = labels[buffer]
        gathered = .none
        var gatherNext: (() -> Void)?
        if let next {
            // Copied here, so the core that gathers reads an array of this thread's making.
            let nextIndices = Array(next)
            precondition(nextIndices.count <= batchCapacity, "next batch of \(nextIndices.count) samples for a session sized for \(batchCapacity)")
            let nextBuffer = 1 - buffer
            gatherNext = { [inputs, labels] in
                data.fillBatch(nextIndices, into: inputs[nextBuffer].pointer)
                data.labels(at: nextIndices, into: labels[nextBuffer])
            }
            gathered = .next(buffer: nextBuffer, indices: nextIndices)
        }
        let p = parameters.pointer
        let g = gradients.pointer
        let last = layers.count - 1

        for (l, slot) in layers.enumerated() {
            linearForward(output: activations[l].pointer, input: l == 0 ? input : activations[l - 1].pointer,
                          weight: p + slot.weightOffset, bias: slot.biasOffset.map { p + $0 }, relu: l < last,
                          rows: rows, inputs: slot.inputs, outputs: slot.outputs)
        }

        var dOutput = outputGradient.pointer
        var dInput = inputGradient.pointer
        let loss = softmaxCrossEntropy(logits: activations[last].pointer, labels: batchLabels, rows: rows,
                                       classes: layers[last].outputs, logitsGradient: dOutput)
        optimizer?.beginStep()
        let weightGradientIsZero = gradientContents == .zero
        for l in stride(from: last, through: 0, by: -1) {
            let slot = layers[l]
            let mask = masks[l]?.pointer
            let input = l == 0 ? input : activations[l - 1].pointer
            let dY = dOutput
            let dX: UnsafeMutablePointer<Float>? = l > 0 ? dInput : nil
            Parallel.forEachBlock(of: slot.inputs, work: 2 * rows * slot.inputs * slot.outputs,
                                  alongside: l == 0 ? gatherNext : nil) { block in
                linearBackward(inputGradient: dX, inputActivation: l > 0 ? input : nil, weightGradient: g + slot.weightOffset,
                               weightGradientIsZero: weightGradientIsZero, outputGradient: dY, input: input,
                               weight: p + slot.weightOffset, rows: rows, inputs: slot.inputs, outputs: slot.outputs,
                               inputRows: block)
                let start = slot.weightOffset + block.lowerBound * slot.outputs
                let count = block.count * slot.outputs
                let blockMask = mask.map { UnsafePointer($0 + block.lowerBound * slot.outputs) }
                if let optimizer {
                    optimizer.update(start..<start + count, parameters: p, gradients: g, mask: blockMask)
                } else if let blockMask {
                    VectorKernels.multiply(g + start, by: blockMask, count: count)
                }
            }
            if let biasOffset = slot.biasOffset {
                biasBackward(biasGradient: g + biasOffset, outputGradient: dY, rows: rows, outputs: slot.outputs)
                optimizer?.update(biasOffset..<biasOffset + slot.outputs, parameters: p, gradients: g, mask: nil)
            }
            swap(&dOutput, &dInput)
        }
        gradientContents = optimizer == nil ? .lastGradients : .zero
        return loss
    }

    /// The forward and backward pass only: gradients without an update.
    @discardableResult
    func computeGradients<C: Collection>(data: LabeledImages, indices: C) -> Double where C.Element == Int {
        step(data: data, indices: indices, optimizer: nil)
    }
}

extension MLP {
    /// The mean softmax cross-entropy on the samples at `indices` and its gradient with respect
    /// to every parameter, shaped like the model (weights and biases).
    public func lossAndGradients(on data: LabeledImages, indices: [Int]) -> (loss: Double, gradients: MLP) {
        let session = TrainingSession(model: self, batchCapacity: indices.count, masks: nil)
        let loss = session.computeGradients(data: data, indices: indices)
        return (loss / Double(indices.count), session.exportModel(gradients: true))
    }
}
