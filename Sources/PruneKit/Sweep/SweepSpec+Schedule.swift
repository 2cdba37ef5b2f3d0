extension SweepSpec {
    /// The engine's view of the spec's schedule fields.
    public var scheduleConfiguration: ScheduleConfiguration {
        ScheduleConfiguration(schedule: pruning.schedule, trainingEpochs: training.epochs, finetuneEpochs: pruning.finetuneEpochs,
                              rewind: pruning.rewind, gradual: pruning.gradual, controls: pruning.controls, scope: pruning.scope,
                              pruneLastLayer: pruning.pruneLastLayer)
    }

    /// Every point of the sweep in the order it runs: repeat, method, layer (each-layer scope),
    /// target (in the schedule's order), then the pruned row before its controls.
    public var points: [SweepPoint] {
        let config = scheduleConfiguration
        let layerCount = model.hidden.count + 1
        return (0..<repeats).flatMap { r in
            pruning.methods.flatMap { method in
                config.scopeLayers(method: method, layerCount: layerCount).flatMap { layer in
                    config.targets(pruning.sparsities).flatMap { target in
                        config.variants.map { SweepPoint(method: method, targetSparsity: target, repeatIndex: r, variant: $0, layer: layer) }
                    }
                }
            }
        }
    }
}

extension SweepSpec {
    /// What a schema-valid spec still cannot run: relations between numbers JSON Schema cannot
    /// state (a rewind epoch below `training.epochs`, the gradual curve inside the training).
    /// A service answers these with 422; each names every field involved.
    public func refusals() -> [SpecFieldError] {
        scheduleConfiguration.problems(methods: pruning.methods).flatMap { problem in
            problem.pointers.map { SpecFieldError(pointer: $0, detail: problem.message) }
        }
    }
}
