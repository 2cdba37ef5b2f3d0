import Foundation

/// What each piece of a sweep's work costs in "sample passes" (one forward pass of one sample),
/// from the sample counts alone: what the progress tracker counts as the sweep runs, and what a
/// job service weighs work units by before any data is loaded.
///
/// A training step costs about three passes per sample (forward, input and weight gradients),
/// evaluating a pruned network one pass over the test set, timing it six more (dense and pruned,
/// three repetitions each). A point's training after pruning (fine-tuning, retraining) counts its
/// epochs; a small-dense control trains from scratch for `training.epochs`.
struct SweepWorkUnits: Sendable, Equatable {
    /// One epoch of the repeat's training.
    let trainingEpochUnits: Double
    /// One epoch of a point's training after pruning.
    let finetuneEpochUnits: Double
    /// Evaluating a point's network (twice when it trains after pruning: before and after).
    let evaluationUnits: Double
    /// A pruned point (or random-reinit control): evaluation, timing and its training after pruning.
    let pointUnits: Double
    /// A small-dense control: trained from scratch, evaluated and timed.
    let smallDenseUnits: Double
    /// A repeat's whole training.
    let trainingUnits: Double

    init(spec: SweepSpec, trainCount: Int, testCount: Int) {
        let retrainEpochs = spec.scheduleConfiguration.retrainEpochs
        trainingEpochUnits = 3 * Double(trainCount)
        finetuneEpochUnits = 3 * Double(trainCount)
        evaluationUnits = Double(testCount) * (retrainEpochs > 0 ? 2 : 1)
        pointUnits = evaluationUnits + 6 * Double(testCount) + Double(retrainEpochs) * finetuneEpochUnits
        smallDenseUnits = Double(testCount) * 7 + Double(spec.training.epochs) * 3 * Double(trainCount)
        trainingUnits = Double(spec.training.epochs) * trainingEpochUnits
    }

    /// The work of one point: evaluating and timing it, and its training after pruning.
    func units(of point: SweepPoint) -> Double {
        point.variant == .smallDense ? smallDenseUnits : pointUnits
    }
}
