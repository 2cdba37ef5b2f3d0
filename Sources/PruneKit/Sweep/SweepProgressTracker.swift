import Foundation

/// Turns the runner's position into `SweepProgress` values: the fraction of the whole sweep
/// done and an ETA.
///
/// Work is counted in "sample passes" (one forward pass of one sample): a training step
/// costs about three (forward, input and weight gradients), evaluating a pruned network one
/// pass over the test set, timing it six more (dense and pruned, three repetitions each).
/// A point's training after pruning (fine-tuning, retraining) counts its epochs; the replay
/// of earlier iterative steps on resume is not counted.
/// The ETA extrapolates the rate measured since this run started, so points skipped on
/// resume count as done but do not make the rate look faster than it is.
struct SweepProgressTracker {
    let trainingEpochUnits: Double
    let pointUnits: Double
    let finetuneEpochUnits: Double
    let evaluationUnits: Double
    /// A small-dense control: trained from scratch for training.epochs.
    let smallDenseUnits: Double
    let total: Double
    let levels: Int
    let epochs: Int
    let finetuneEpochs: Int

    private(set) var done = 0.0
    /// Units counted as done without work in this run (resume); excluded from the rate.
    private var skipped = 0.0
    private let clock: () -> Double
    private let started: Double
    private let callback: (SweepProgress) -> Void

    /// Monotonic seconds.
    static func uptime() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    init(spec: SweepSpec, trainCount: Int, testCount: Int, clock: @escaping () -> Double = uptime,
         callback: @escaping (SweepProgress) -> Void) {
        self.clock = clock
        started = clock()
        let config = spec.scheduleConfiguration
        epochs = spec.training.epochs
        finetuneEpochs = config.retrainEpochs
        trainingEpochUnits = 3 * Double(trainCount)
        finetuneEpochUnits = 3 * Double(trainCount)
        evaluationUnits = Double(testCount) * (finetuneEpochs > 0 ? 2 : 1)
        pointUnits = evaluationUnits + 6 * Double(testCount) + Double(finetuneEpochs) * finetuneEpochUnits
        let smallDense = Double(testCount) * 7 + Double(spec.training.epochs) * 3 * Double(trainCount)
        smallDenseUnits = smallDense
        let points = spec.points
        levels = points.count
        let perPoint = pointUnits
        let pointTotal = points.reduce(0) { $0 + ($1.variant == .smallDense ? smallDense : perPoint) }
        total = max(1, Double(spec.repeats * epochs) * trainingEpochUnits + pointTotal)
        self.callback = callback
    }

    /// The work of one point: evaluating and timing it, and its training after pruning.
    func units(of point: SweepPoint) -> Double {
        point.variant == .smallDense ? smallDenseUnits : pointUnits
    }

    /// Work that needs no doing (a checkpoint loaded, a point already in results.csv).
    mutating func skip(_ units: Double) {
        done += units
        skipped += units
    }

    mutating func advance(_ units: Double) {
        done += units
    }

    /// Reports `phase` with the fraction done so far plus `partial` units of the current step.
    func report(_ phase: SweepPhase, partial: Double = 0, _ fill: (inout SweepProgress) -> Void = { _ in }) {
        let current = min(done + partial, total)
        var progress = SweepProgress(phase: phase, fraction: min(current / total, 1))
        progress.levels = levels
        progress.etaSeconds = eta(current: current)
        fill(&progress)
        callback(progress)
    }

    private func eta(current: Double) -> Double? {
        let elapsed = clock() - started
        let worked = current - skipped
        guard worked > 0, elapsed > 0.5 else { return nil }
        return max(0, (total - current) * elapsed / worked)
    }
}
