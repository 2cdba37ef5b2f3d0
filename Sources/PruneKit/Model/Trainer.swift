import Foundation

/// How to train: batch size, optimizer and its settings, and the seed of the shuffling.
public struct TrainingConfig: Sendable {
    /// Samples per optimizer step (the seed experiment: 64).
    public var batchSize: Int
    /// Which update rule trains the weights.
    public var optimizer: OptimizerKind
    /// Step size of the optimizer (the seed experiment: Adam at 1e-3).
    public var learningRate: Double
    /// SGD only; Adam uses TensorFlow's betas (0.9, 0.999) and epsilon (1e-7).
    public var momentum: Double
    /// Seeds the shuffling of the samples into batches.
    public var seed: UInt64

    /// A configuration with the seed experiment's defaults for everything not given.
    public init(batchSize: Int = 64, optimizer: OptimizerKind = .adam, learningRate: Double = 1e-3,
                momentum: Double = 0.9, seed: UInt64 = 0) {
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.seed = seed
    }

    /// A fresh optimizer of this kind holding state for `parameterCount` parameters.
    func makeOptimizer(parameterCount: Int) -> Optimizer {
        switch optimizer {
        case .adam: return AdamOptimizer(parameterCount: parameterCount, learningRate: Float(learningRate))
        case .sgd: return SGDOptimizer(parameterCount: parameterCount, learningRate: Float(learningRate), momentum: Float(momentum))
        }
    }
}

/// Optional calls into a training run, for schedules that prune while training or rewind.
public struct TrainingHooks {
    /// Asked before every step (counted from 0 over the whole run) for masks to hold from that
    /// step on (nil: keep the current ones), with a way to read the current weights. Once the
    /// masks have changed, they are re-applied after every update (the optimizer's state of a
    /// newly masked weight would otherwise move it off zero).
    public var maskUpdate: ((Int, () -> MLP) -> WeightMasks?)?
    /// Receives the model after each epoch (1-based): the weights a rewind goes back to.
    public var epochEnded: ((Int, MLP) -> Void)?

    /// Hooks that do nothing unless given.
    public init(maskUpdate: ((Int, () -> MLP) -> WeightMasks?)? = nil, epochEnded: ((Int, MLP) -> Void)? = nil) {
        self.maskUpdate = maskUpdate
        self.epochEnded = epochEnded
    }
}

/// Where a training run is, reported through `Trainer.train`'s progress callback.
public struct TrainingProgress: Sendable {
    /// 1-based epoch and step within it.
    public var epoch: Int
    /// Epochs the run trains in all.
    public var epochs: Int
    /// 1-based step within the current epoch.
    public var step: Int
    /// Steps in one epoch.
    public var stepsPerEpoch: Int
    /// Throughput of the current epoch so far.
    public var samplesPerSecond: Double
    /// Mean training loss of the current epoch so far.
    public var loss: Double

    /// A progress report from its parts.
    public init(epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, samplesPerSecond: Double, loss: Double) {
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.samplesPerSecond = samplesPerSecond
        self.loss = loss
    }
}

/// Training input that does not fit the model or the settings; the message says what.
public struct TrainingError: Error, CustomStringConvertible, LocalizedError {
    /// What does not fit, in a sentence.
    public let description: String
    /// An error with its message.
    public init(_ description: String) { self.description = description }
    /// The same message, for `localizedDescription`.
    public var errorDescription: String? { description }
}

/// Mini-batch training of an MLP with softmax cross-entropy.
///
/// Each epoch visits every sample once in an order shuffled by a generator seeded from
/// `config.seed` (the same seed gives bit-identical weights), in batches of `batchSize`
/// (the last one smaller when the count does not divide).
public struct Trainer {
    /// The batch size, optimizer and seed every run of this trainer uses.
    public var config: TrainingConfig

    /// Progress is reported at most this often (and always after an epoch's last step).
    public static let progressInterval: Double = 0.1

    /// Steps in one epoch over `sampleCount` samples (the last batch may be smaller).
    public func stepsPerEpoch(sampleCount: Int) -> Int {
        (sampleCount + config.batchSize - 1) / config.batchSize
    }

    /// A trainer for `config`.
    public init(config: TrainingConfig) {
        self.config = config
    }

    /// Trains in place for `epochs`; masked weights stay exactly zero; checks `cancellation` between batches (throws SweepCancelled).
    ///
    /// The masks are applied to the model first, then the gradients of masked weights are
    /// zeroed each step: with zero state and zero gradient, Adam and SGD leave them at 0 exactly.
    /// The optimizer starts fresh on each call. On cancellation the model is left as it was.
    ///
    /// `hooks` may change the masks during the run and receive the model after each epoch.
    public func train(_ model: inout MLP, on data: LabeledImages, epochs: Int, masks: WeightMasks? = nil,
                      hooks: TrainingHooks = TrainingHooks(),
                      cancellation: CancellationFlag? = nil, progress: (TrainingProgress) -> Void = { _ in }) throws {
        // Reachable from a spec or a data file: thrown with a message, never a precondition.
        guard config.batchSize > 0 else { throw TrainingError("batch size must be positive, got \(config.batchSize)") }
        guard epochs >= 0 else { throw TrainingError("epochs must not be negative, got \(epochs)") }
        guard data.features == model.weights[0].rows else {
            throw TrainingError("the model takes \(model.weights[0].rows) inputs, the data has \(data.features)")
        }
        let classes = model.layerSizes.last ?? 0
        if let label = data.labels.max(), Int(label) >= classes {
            throw TrainingError("label \(label) is beyond the model's \(classes) classes (0 to \(classes - 1))")
        }
        guard epochs > 0, data.count > 0 else {
            masks?.apply(to: &model)
            return
        }
        let session = TrainingSession(model: model, batchCapacity: min(config.batchSize, data.count), masks: masks)
        let optimizer = config.makeOptimizer(parameterCount: session.parameterCount)
        var generator = SeededGenerator(seed: config.seed)
        var order = Array(0..<data.count)
        let stepsPerEpoch = (data.count + config.batchSize - 1) / config.batchSize

        var globalStep = 0
        var masksChanged = false
        for epoch in 1...epochs {
            generator.shuffle(&order)
            let epochStart = DispatchTime.now().uptimeNanoseconds
            var lastReport = epochStart
            var lossSum = 0.0
            var seen = 0
            for step in 1...stepsPerEpoch {
                if cancellation?.isCancelled == true { throw SweepCancelled() }
                let batch = order[(step - 1) * config.batchSize..<min(data.count, step * config.batchSize)]
                // The next batch of this epoch is gathered during this step (the next epoch's order is not drawn yet).
                let next = step < stepsPerEpoch ? order[step * config.batchSize..<min(data.count, (step + 1) * config.batchSize)] : nil
                if let maskUpdate = hooks.maskUpdate, let newMasks = maskUpdate(globalStep, { session.exportModel() }) {
                    session.replaceMasks(newMasks)
                    masksChanged = true
                }
                lossSum += session.step(data: data, indices: batch, optimizer: optimizer, next: next)
                if masksChanged { session.applyMasks() }
                globalStep += 1
                seen += batch.count

                let now = DispatchTime.now().uptimeNanoseconds
                if step == stepsPerEpoch || Double(now - lastReport) * 1e-9 >= Self.progressInterval {
                    lastReport = now
                    let seconds = max(1e-9, Double(now - epochStart) * 1e-9)
                    progress(TrainingProgress(epoch: epoch, epochs: epochs, step: step, stepsPerEpoch: stepsPerEpoch,
                                              samplesPerSecond: Double(seen) / seconds, loss: lossSum / Double(seen)))
                }
            }
            hooks.epochEnded?(epoch, session.exportModel())
        }
        model = session.exportModel()
    }
}
