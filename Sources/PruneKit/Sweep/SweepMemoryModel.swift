/// The sweep's memory at each moment where it can peak, counted from the engine's own
/// allocations (read from the code; the comments name where each lives). The peak is the
/// largest phase plus the process's fixed baseline.
///
/// Resident from loading to the end: the data as stored (`LabeledImages`, one byte per
/// feature and per label) and the float copy of the test set that inference timing runs on
/// (`InferenceTimer.timingInput`, made before the first repeat trains). Phases left out because
/// another always exceeds them: writing a checkpoint (the model, the file's bytes and one
/// layer's copy: at most 3 networks, where training holds at least 5) and the weights chart
/// (the model and one layer as Doubles).
struct SweepMemoryModel {
    struct Term {
        var what: String
        var bytes: Double
        var fields: [String]
    }

    struct Phase {
        var name: String
        var terms: [Term]
        var bytes: Double { terms.reduce(0) { $0 + $1.bytes } }

        func adding(_ term: Term) -> Phase { Phase(name: name, terms: terms + [term]) }
    }

    /// RSS of a sweep process before any data (the binary, the Swift runtime and Foundation,
    /// Dispatch's threads): a tiny run's peak, 30.4 MB in a release build and 31.9 MB in a debug one.
    static let processBaselineBytes = 32e6
    /// What malloc adds to the blocks counted (headers, page rounding, small objects not
    /// counted, fragmentation left with the fixed thresholds of `MallocPolicy`).
    static let allocatorOverhead = 1.06

    let cost: SweepCostModel
    private let float = 4.0

    init(_ cost: SweepCostModel) {
        self.cost = cost
    }

    var phases: [Phase] {
        let runs = cost.trainingRuns
        let batch = max(1, min(cost.spec.training.batchSize, shape.trainCount))
        let trainingBLAS = blasWorkspace(rows: batch, sizes: cost.layerSizes)
        let evaluationBLAS = max(trainingBLAS, blasWorkspace(rows: min(1000, shape.testCount), sizes: cost.layerSizes))
        // From the timing on, OpenBLAS's buffers hold what the largest product touched: the timing subset.
        let timingBLAS = max(evaluationBLAS, blasWorkspace(rows: Int(timedSamples), sizes: cost.layerSizes))

        let trained = held(cost.parameters, "trained network")
        var phases = [loading, training(runs[0]).adding(blasTerm(trainingBLAS))]
        phases.append(Phase(name: "evaluating the trained network",
                            terms: resident + [trained] + evaluationBuffers(cost.layerSizes) + [blasTerm(evaluationBLAS)]))
        phases.append(Phase(name: "timing the dense network",
                            terms: resident + [trained] + timingActivations(cost.layerSizes) + [blasTerm(timingBLAS)]))
        var pointPhases = cost.distinctPoints.flatMap { point in
            point.method.removesUnits ? unitPoint(point) : weightPoint(point)
        }
        pointPhases += runs.dropFirst().map(training)
        phases += pointPhases.map { $0.adding(blasTerm(timingBLAS)) }
        return phases
    }

    private func blasTerm(_ bytes: Double) -> Term {
        Term(what: "OpenBLAS buffers", bytes: bytes, fields: cost.testCountFields + hidden)
    }

    /// The panel width of OpenBLAS's Haswell SGEMM kernels (those this machine runs) and the
    /// size of each of its per-thread buffers (BUFFER_SIZE, 32 << 22).
    static let blasPanel = 320
    static let blasBufferBytes = 128.0 * 1_048_576

    /// OpenBLAS's packing buffers, one per thread running products, touched for the life of the
    /// process: measured, a product whose output columns on one thread exceed the panel width
    /// packs a panel of its input (the panel width times the rows); narrower ones touch little.
    /// The products of a forward pass are split by output columns as `Parallel.forEachBlock` does.
    private func blasWorkspace(rows: Int, sizes: [Int]) -> Double {
        var perThread = 0.0
        var threads = 1
        for layer in 0..<(sizes.count - 1) {
            let outputs = sizes[layer + 1]
            let blocks = Parallel.blocks(of: outputs, work: sizes[layer] * outputs * rows)
            let chunks = blocks.count
            let columns = blocks.map(\.count).max() ?? outputs
            guard columns > Self.blasPanel else { continue }
            let panel = float * Double(min(sizes[layer], Self.blasPanel)) * Double(rows + Self.blasPanel)
            perThread = max(perThread, min(panel, Self.blasBufferBytes))
            threads = max(threads, chunks)
        }
        return Double(threads) * perThread
    }

    var peak: (phase: Phase, bytes: Double) {
        let largest = phases.max { $0.bytes < $1.bytes }!
        return (largest, largest.bytes * Self.allocatorOverhead + Self.processBaselineBytes)
    }

    // MARK: - Terms

    private var shape: DataShape { cost.shape }
    private var hidden: [String] { ["/model/hidden"] }

    private var resident: [Term] {
        // A sample's bytes: 1 a value for byte data, 4 for float data (npz float32, CSV).
        let f = Double(shape.features * shape.bytesPerFeature)
        return [
            Term(what: "training data as bytes", bytes: Double(shape.trainCount) * (f + 1), fields: cost.trainCountFields + cost.featureFields),
            Term(what: "test data as bytes", bytes: Double(shape.testCount) * (f + 1), fields: cost.testCountFields + cost.featureFields),
            Term(what: "timing subset as floats", bytes: float * timedSamples * Double(shape.features),
                 fields: cost.testCountFields + cost.featureFields),
        ]
    }

    private func held(_ parameters: Int, _ what: String) -> Term {
        Term(what: what, bytes: float * Double(parameters), fields: hidden)
    }

    /// `Dataset.load`: the whole source (IDX files or generated samples), plus the prefix
    /// copies `train_limit` / `test_limit` cut from it, before the source is released.
    private var loading: Phase {
        let f = Double(shape.features * shape.bytesPerFeature)
        var terms = [Term(what: "source data as bytes", bytes: Double(shape.sourceTrainCount + shape.sourceTestCount) * (f + 1),
                          fields: cost.sourceFields)]
        if shape.trainCount < shape.sourceTrainCount {
            terms.append(Term(what: "train_limit copy", bytes: Double(shape.trainCount) * (f + 1), fields: cost.trainCountFields))
        }
        if shape.testCount < shape.sourceTestCount {
            terms.append(Term(what: "test_limit copy", bytes: Double(shape.testCount) * (f + 1), fields: cost.testCountFields))
        }
        if cost.spec.dataset.name == .synthetic {
            terms.append(Term(what: "class prototypes", bytes: float * Double(shape.classes) * f,
                              fields: ["/dataset/classes"] + cost.featureFields))
        }
        if cost.spec.dataset.name == .npz || cost.spec.dataset.name == .csv {
            // An array is decoded from the file (an inflated .npy member, or CSV text as parsed)
            // before it is copied into the samples: a second copy of one set at a time.
            terms.append(Term(what: "decoded file array", bytes: Double(max(shape.sourceTrainCount, shape.sourceTestCount)) * f,
                              fields: cost.sourceFields))
        }
        return Phase(name: "loading the data", terms: terms)
    }

    /// A `TrainingSession`'s floats per sample of its batch: two batch buffers (inputs and a
    /// label), every layer's output and the two dL/dY buffers.
    private static func sessionFloatsPerSample(_ layerSizes: [Int]) -> Double {
        let sizes = layerSizes.map(Double.init)
        return sizes.reduce(0, +) + (sizes.first ?? 0) + 2 * (sizes.max() ?? 0) + 2
    }

    /// `Trainer.train` with its `TrainingSession` (parameters and gradients as flat arrays,
    /// two batches' input, activations and two dL/dY buffers, a float copy of the masks), the
    /// optimizer's state, the shuffled order, and the networks the caller holds.
    private func training(_ run: SweepCostModel.TrainingRun) -> Phase {
        let parameters = Double(SweepCostModel.parameterCount(run.layerSizes, bias: cost.spec.model.bias))
        let batch = Double(max(1, min(cost.spec.training.batchSize, shape.trainCount)))
        let perSample = Self.sessionFloatsPerSample(run.layerSizes)
        let optimizerState = cost.spec.training.optimizer == .adam ? 2.0 : 1.0
        var terms = resident + [
            Term(what: "networks held while training", bytes: float * Double(run.heldParameters), fields: hidden),
            Term(what: "parameters and gradients", bytes: 2 * float * parameters, fields: hidden),
            Term(what: "optimizer state", bytes: optimizerState * float * parameters, fields: hidden + ["/training/optimizer"]),
            Term(what: "batch activations", bytes: float * batch * perSample, fields: ["/training/batch_size"] + hidden),
            Term(what: "shuffled order", bytes: 8 * Double(shape.trainCount), fields: cost.trainCountFields),
            // At the end the trained model is exported while the session still lives, and the
            // checkpoint is built in memory before it is written.
            Term(what: "exported model and the checkpoint being written", bytes: 2 * float * parameters, fields: hidden),
        ]
        if run.maskedWeights > 0 {
            // The pruned network's masks and the session's float copy of them.
            terms.append(Term(what: "masks", bytes: 2 * float * Double(run.maskedWeights), fields: ["/pruning/methods"] + hidden))
        }
        return Phase(name: run.maskedWeights > 0 || run.layerSizes != cost.layerSizes ? "fine-tuning" : "training", terms: terms)
    }

    /// `MLP.evaluate`: a batch of up to 1,000 samples as floats, the input and output of the
    /// widest consecutive layers, and the labels.
    private func evaluationBuffers(_ sizes: [Int]) -> [Term] {
        let batch = Double(min(1000, shape.testCount))
        return [Term(what: "evaluation batch and activations",
                     bytes: float * (batch * (Double(sizes[0]) + Self.widestPair(sizes)) + 1000),
                     fields: hidden + cost.featureFields)]
    }

    /// The samples each point is timed on (`InferenceTimer.timingSamples` of the test set).
    private var timedSamples: Double { Double(min(shape.testCount, InferenceTimer.timingSamples)) }

    /// `MLP.logits` on the timing subset: two consecutive layers' outputs at once.
    private func timingActivations(_ sizes: [Int]) -> [Term] {
        [Term(what: "timing activations", bytes: float * timedSamples * Self.widestPair(sizes),
              fields: cost.testCountFields + hidden)]
    }

    /// The largest sum of a layer's output and its input (when the input is an activation,
    /// not the data), in units: what a forward pass holds at once.
    static func widestPair(_ sizes: [Int]) -> Double {
        (0..<(sizes.count - 1)).map { Double(($0 > 0 ? sizes[$0] : 0) + sizes[$0 + 1]) }.max() ?? 0
    }

    // MARK: - Points

    private var pointFields: [String] { ["/pruning/methods", "/pruning/sparsities"] }

    /// `Pruner.prune` of a weight method (choosing the weights, then the masks and the copies of
    /// the layers it zeroes), then evaluating, fine-tuning (a training run) and `SparseMLP`.
    private func weightPoint(_ point: SweepCostModel.PointCost) -> [Phase] {
        let counts = SweepCostModel.weightCounts(cost.layerSizes).map(Double.init)
        let removed = point.removedWeights.map(Double.init)
        let original = held(cost.parameters, "trained network")
        let line = lineTerm(point)
        let prunable = Double(cost.prunableWeights)

        // Choosing: per layer (or all prunable layers at once for global-weight), the sort keys
        // and flags, the chosen indices growing by doubling, and the earlier layers' indices.
        var choosing = 0.0
        var chosenSoFar = 0.0
        for layer in cost.prunableLayers where point.layer == nil || point.layer == layer {
            let k = removed[layer]
            let growing = 8 * (k + Self.powerOfTwoCeiling(k) / 2)
            let scratch: Double
            switch point.method {
            case .globalWeight, .snip, .synflow: scratch = 9 * prunable
            case .randomWeight: scratch = 8 * counts[layer]
            default: scratch = 9 * counts[layer]
            }
            choosing = max(choosing, scratch + chosenSoFar + growing)
            chosenSoFar += 8 * k
        }
        let copies = cost.prunableLayers.reduce(0.0) { $0 + (removed[$1] > 0 ? counts[$1] : 0) }
        let masks = Term(what: "masks", bytes: float * prunable, fields: pointFields + hidden)
        let copied = Term(what: "pruned copy of the layers", bytes: float * copies, fields: pointFields + hidden)

        var phases = [
            Phase(name: "choosing weights to prune", terms: resident + [original, line,
                  Term(what: "pruning scratch", bytes: choosing, fields: pointFields + hidden)] + scores(point, choosing: true)),
            Phase(name: "masking", terms: resident + [original, line, masks, copied,
                  Term(what: "chosen indices", bytes: chosenSoFar, fields: pointFields + hidden)]),
            Phase(name: "evaluating a pruned network", terms: resident + [original, line, masks, copied] + evaluationBuffers(cost.layerSizes)),
        ]
        if point.method == .snip || point.method == .synflow {
            phases.append(Phase(name: "scoring with \(point.method.rawValue)", terms: resident + [original, line] + scores(point, choosing: false)))
        }
        // SparseMLP: per layer, row starts (8 bytes per output + 1) and, per nonzero, its
        // column, its tile offset and its value (4 bytes each); then the logits of the test set.
        let nonzeros = zip(counts, removed).reduce(0.0) { $0 + $1.0 - $1.1 }
        let rowStarts = cost.layerSizes.dropFirst().reduce(0.0) { $0 + 8 * Double($1 + 1) }
        let csr = Term(what: "CSR copy", bytes: 12 * nonzeros + rowStarts, fields: pointFields + hidden)
        let logits = Term(what: "CSR logits", bytes: float * Double(shape.testCount * shape.classes), fields: cost.testCountFields)
        phases.append(Phase(name: "timing a sparse network", terms: resident + [original, line, masks, copied, csr, logits]))
        return phases
    }

    /// `UnitShrinker.shrink`, then evaluating and timing the smaller dense network.
    private func unitPoint(_ point: SweepCostModel.PointCost) -> [Phase] {
        let original = held(cost.parameters, "trained network")
        let line = lineTerm(point)
        let shrunk = Term(what: "shrunk network", bytes: float * Double(SweepCostModel.parameterCount(point.prunedLayerSizes, bias: cost.spec.model.bias)),
                          fields: pointFields + hidden)
        var phases = [
            Phase(name: "evaluating a shrunk network", terms: resident + [original, line, shrunk] + evaluationBuffers(point.prunedLayerSizes)),
            Phase(name: "timing a shrunk network", terms: resident + [original, line, shrunk] + timingActivations(point.prunedLayerSizes)),
        ]
        if point.method == .taylorUnit {
            // `taylorUnitImportance`: one batch's input, every layer's output and its gradient, as floats.
            let batch = Double(max(1, min(cost.spec.training.batchSize, shape.trainCount)))
            let units = Double(cost.layerSizes.reduce(0, +))
            phases.append(Phase(name: "scoring with taylor-unit", terms: resident + [original, line,
                Term(what: "taylor-unit activations and gradients", bytes: float * batch * 3 * units, fields: ["/training/batch_size"] + hidden)]))
        }
        return phases
    }

    /// What the line of `point` keeps besides the trained network (`SweepCostModel.lineHeldParameters`).
    private func lineTerm(_ point: SweepCostModel.PointCost) -> Term {
        Term(what: "networks the schedule keeps (previous step, rewind weights, initial network)",
             bytes: float * Double(cost.lineHeldParameters(point)), fields: ["/pruning/schedule", "/pruning/rewind"] + hidden)
    }

    /// The scores SNIP and SynFlow hold. SNIP: the batch's gradients (one network) and its
    /// activations while scoring, |g w| as floats while choosing. SynFlow (per round): |w| and the
    /// scores as Doubles while scoring; the scores, their float copy and the masks while choosing.
    private func scores(_ point: SweepCostModel.PointCost, choosing: Bool) -> [Term] {
        let prunable = Double(cost.prunableWeights)
        let all = Double(SweepCostModel.weightCounts(cost.layerSizes).reduce(0, +))
        let fields = ["/pruning/methods"] + hidden
        switch point.method {
        case .snip:
            if choosing { return [Term(what: "SNIP scores", bytes: float * prunable, fields: fields)] }
            let batch = Double(max(1, min(cost.spec.training.batchSize, shape.trainCount)))
            let perSample = Self.sessionFloatsPerSample(cost.layerSizes)
            return [Term(what: "SNIP gradients", bytes: float * Double(cost.parameters), fields: fields),
                    Term(what: "SNIP batch activations", bytes: float * batch * perSample, fields: ["/training/batch_size"] + hidden)]
        case .synflow:
            if choosing {
                return [Term(what: "SynFlow scores, their float copy and the masks", bytes: 8 * all + 2 * float * prunable, fields: fields)]
            }
            return [Term(what: "SynFlow |w| and scores", bytes: 16 * all, fields: fields),
                    Term(what: "SynFlow masks", bytes: float * prunable, fields: fields)]
        default:
            return []
        }
    }

    static func powerOfTwoCeiling(_ x: Double) -> Double {
        x <= 1 ? x : Double(1 << Int((x - 1).rounded(.down)).bitWidthNeeded)
    }
}

private extension Int {
    /// Bits needed to write the number (0 for 0).
    var bitWidthNeeded: Int { Int.bitWidth - leadingZeroBitCount }
}
