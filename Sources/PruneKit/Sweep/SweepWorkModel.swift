/// The sweep's work: FLOPs (multiply-adds x 2) of every product it runs, and the seconds they
/// and the memory-bound steps around them take at a `MachineRate`.
struct SweepWorkModel {
    struct Term {
        var what: String
        var flops: Double
        var seconds: Double
        var fields: [String]
    }

    let cost: SweepCostModel
    let rate: MachineRate

    var terms: [Term] {
        var terms = [loading]
        terms += cost.trainingRuns.map(training)
        terms += evaluationAndTiming
        return terms
    }

    private var shape: DataShape { cost.shape }
    private var bias: Bool { cost.spec.model.bias }

    private var loading: Term {
        let bytes = Double(shape.sourceTrainCount + shape.sourceTestCount) * Double(shape.features + 1)
        return Term(what: "loading", flops: 0, seconds: rate.fixedSeconds + bytes * rate.loadSecondsPerByte, fields: cost.sourceFields)
    }

    /// Per sample: the forward product of every layer, dL/dW of every layer and dL/dX of all
    /// but the first. Per step: the optimizer's passes over the parameters (Adam: parameters,
    /// gradients, m and v read, three of them written back: 7 float streams; SGD momentum 5),
    /// and masking the gradients of a masked run (2 more streams over the masked weights).
    private func training(_ run: SweepCostModel.TrainingRun) -> Term {
        let batch = max(1, min(cost.spec.training.batchSize, shape.trainCount))
        let layers = SweepCostModel.weightCounts(run.layerSizes).map(Double.init)
        let parameters = Double(SweepCostModel.parameterCount(run.layerSizes, bias: bias))
        let streams = cost.spec.training.optimizer == .adam ? 7.0 : 5.0
        let bytesPerStep = 4 * (streams * parameters + 3 * Double(run.maskedWeights))
        // Products per layer: forward and dL/dW everywhere, dL/dX past the first layer.
        let products = layers.indices.map { $0 == 0 ? 2.0 : 3.0 }
        let multiplyAddsPerSample = zip(products, layers).reduce(0) { $0 + $1.0 * $1.1 }
        func stepSeconds(rows: Int) -> Double {
            let gemms = zip(products, layers).reduce(0) { $0 + $1.0 * rate.trainingProductSeconds(multiplyAdds: $1.1 * Double(rows)) }
            return gemms + rate.stepOverheadSeconds + bytesPerStep / rate.memoryBandwidth
        }
        let fullSteps = shape.trainCount / batch, lastRows = shape.trainCount % batch
        let epochSeconds = Double(fullSteps) * stepSeconds(rows: batch) + (lastRows > 0 ? stepSeconds(rows: lastRows) : 0)
        let runs = Double(run.count) * Double(run.epochs)
        return Term(what: run.layerSizes == cost.layerSizes && run.maskedWeights == 0 ? "training" : "fine-tuning",
                    flops: runs * 2 * multiplyAddsPerSample * Double(shape.trainCount), seconds: runs * epochSeconds, fields: run.fields)
    }

    /// Per repeat: the trained network's evaluation and its dense timing (5 runs over the test
    /// set). Per point: pruning (every gradual update prunes again), one evaluation (two when an
    /// one-shot or iterative point trains after pruning), and the timing of the pruned form: the
    /// CSR kernel for weight methods (3 runs, or 1 when the first is already twice as slow as
    /// dense), the shrunk network for unit methods (3 runs). The random-reinit control evaluates
    /// and times the same form again; the small-dense one evaluates and times (3 runs) its network.
    private var evaluationAndTiming: [Term] {
        let tests = Double(shape.testCount)
        let repeats = Double(cost.spec.repeats)
        let dense = 2 * Double(SweepCostModel.weightCounts(cost.layerSizes).reduce(0, +)) * tests
        let denseSeconds = dense / rate.inferenceFLOPS
        let config = cost.configuration
        let pointFields = ["/pruning/sparsities", "/pruning/methods"] + (config.scope == .eachLayer ? ["/pruning/scope"] : [])
            + cost.testCountFields + ["/model/hidden", "/repeats"]
        let points = cost.distinctPoints
        var terms = [Term(what: "evaluating and timing the trained network", flops: repeats * 6 * dense,
                          seconds: repeats * 6 * denseSeconds, fields: cost.testCountFields + ["/model/hidden", "/repeats"])]
        guard !points.isEmpty else { return terms }

        let before = (config.schedule == .oneShot || config.schedule == .iterative) && config.retrainEpochs > 0 ? 1.0 : 0.0
        let reinit = config.variants.contains(.randomReinit) ? 1.0 : 0.0
        var flops = 0.0, seconds = 0.0
        var controlFlops = 0.0, controlSeconds = 0.0
        for point in points {
            let count = Double(point.count)
            let pruned = 2 * Double(SweepCostModel.weightCounts(point.prunedLayerSizes).reduce(0, +)) * tests
            let evaluations = 1 + before + reinit
            let timings = 1 + reinit
            flops += count * evaluations * pruned
            seconds += count * evaluations * pruned / rate.inferenceFLOPS
            if point.method.removesUnits {
                flops += count * timings * 3 * pruned
                seconds += count * timings * 3 * pruned / rate.inferenceFLOPS
            } else {
                let nonzeros = Double(SweepCostModel.weightCounts(cost.layerSizes).reduce(0, +) - point.removedWeights.reduce(0, +))
                let csr = 2 * nonzeros * tests
                let runs = csr / rate.sparseFLOPS > 2 * denseSeconds ? 1.0 : 3.0
                flops += count * timings * runs * csr
                seconds += count * timings * runs * csr / rate.sparseFLOPS
            }
            if config.variants.contains(.smallDense) {
                let small = 2 * Double(SweepCostModel.weightCounts(cost.smallDenseSizes(point)).reduce(0, +)) * tests
                controlFlops += count * 4 * small
                controlSeconds += count * 4 * small / rate.inferenceFLOPS
            }
        }
        terms.append(Term(what: "evaluating and timing the points", flops: flops, seconds: seconds, fields: pointFields))
        if controlFlops > 0 {
            terms.append(Term(what: "evaluating and timing the small-dense controls", flops: controlFlops, seconds: controlSeconds,
                              fields: ["/pruning/controls"] + pointFields))
        }
        terms.append(pruning)
        return terms
    }

    /// Choosing what to prune, per pruning of a point (once, or at every gradual update): the
    /// sort of the prunable weights for weight methods; SNIP's gradients on one batch;
    /// taylor-unit's forward and backward passes over `taylorBatches` batches; SynFlow's
    /// `synflowRounds` rounds, each a forward and a backward pass over every weight and a global selection.
    private var pruning: Term {
        let options = PruningOptions()
        let prunes = Double(cost.prunesPerPoint)
        let batch = max(1, min(cost.spec.training.batchSize, shape.trainCount))
        let layers = SweepCostModel.weightCounts(cost.layerSizes).map(Double.init)
        let allWeights = layers.reduce(0, +)
        let prunable = Double(cost.prunableWeights)
        var flops = 0.0, seconds = 0.0
        for point in cost.distinctPoints {
            let count = Double(point.count) * prunes
            let scope = point.layer.map { Double(SweepCostModel.weightCounts(cost.layerSizes)[$0]) } ?? prunable
            switch point.method {
            case .snip:
                let pass = backpropagation(layers, rows: min(batch, shape.trainCount))
                flops += count * pass.flops
                seconds += count * (pass.seconds + scope * rate.pruneSecondsPerWeight)
            case .taylorUnit:
                let batches = Double(min(options.taylorBatches, cost.stepsPerEpoch))
                let pass = backpropagation(layers, rows: batch)
                flops += count * batches * pass.flops
                seconds += count * batches * pass.seconds
            case .synflow:
                let rounds = Double(options.synflowRounds)
                flops += count * rounds * 4 * allWeights
                seconds += count * rounds * (allWeights + scope) * rate.pruneSecondsPerWeight
            case .weight, .globalWeight, .randomWeight:
                seconds += count * scope * rate.pruneSecondsPerWeight
            case .unit, .randomUnit:
                break
            }
        }
        return Term(what: "pruning", flops: flops, seconds: seconds,
                    fields: ["/pruning/methods", "/pruning/sparsities", "/model/hidden", "/repeats"]
                        + (cost.configuration.schedule == .gradual ? ["/pruning/gradual/every_steps"] : []))
    }

    /// One forward and backward pass over `rows` samples: the products a training step runs.
    private func backpropagation(_ layers: [Double], rows: Int) -> (flops: Double, seconds: Double) {
        let products = layers.indices.map { $0 == 0 ? 2.0 : 3.0 }
        let multiplyAdds = zip(products, layers).reduce(0) { $0 + $1.0 * $1.1 }
        let seconds = zip(products, layers).reduce(0) { $0 + $1.0 * rate.trainingProductSeconds(multiplyAdds: $1.1 * Double(rows)) }
        return (2 * multiplyAdds * Double(rows), seconds)
    }
}
