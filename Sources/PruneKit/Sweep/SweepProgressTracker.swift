import Foundation

/// Turns the runner's position into `SweepProgress` values: the fraction of the chosen work
/// done and an ETA.
///
/// Work is counted in "sample passes" (`SweepWorkUnits`). The total is the work this run was
/// chosen to do (the trainings its lines need and their points; the whole sweep for `prunelab
/// run`), so a shard or a work unit reports its own fraction from 0 to 1. The replay of earlier
/// iterative steps on resume is not counted.
/// The ETA extrapolates the rate measured since this run started, so points skipped on
/// resume count as done but do not make the rate look faster than it is.
struct SweepProgressTracker {
    let work: SweepWorkUnits
    var trainingEpochUnits: Double { work.trainingEpochUnits }
    var pointUnits: Double { work.pointUnits }
    var finetuneEpochUnits: Double { work.finetuneEpochUnits }
    var evaluationUnits: Double { work.evaluationUnits }
    let total: Double
    let levels: Int

    private(set) var done = 0.0
    /// Units counted as done without work in this run (resume); excluded from the rate.
    private var skipped = 0.0
    private let clock: () -> Double
    private let started: Double
    private let callback: (SweepProgress) -> Void

    /// Monotonic seconds.
    static func uptime() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// A tracker of `trainings` repeat trainings (nil: every repeat) and `points` (nil: every point of the sweep).
    init(spec: SweepSpec, trainCount: Int, testCount: Int, trainings: Int? = nil, points: [SweepPoint]? = nil,
         clock: @escaping () -> Double = uptime, callback: @escaping (SweepProgress) -> Void) {
        self.clock = clock
        started = clock()
        let work = SweepWorkUnits(spec: spec, trainCount: trainCount, testCount: testCount)
        self.work = work
        levels = spec.points.count
        let pointTotal = (points ?? spec.points).reduce(0) { $0 + work.units(of: $1) }
        total = max(1, Double(trainings ?? spec.repeats) * work.trainingUnits + pointTotal)
        self.callback = callback
    }

    /// The work of one point: evaluating and timing it, and its training after pruning.
    func units(of point: SweepPoint) -> Double { work.units(of: point) }

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
