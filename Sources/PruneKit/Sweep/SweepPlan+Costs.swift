import Foundation

extension SweepPlan {
    /// Each unit's relative cost in the same "sample pass" units SweepProgressTracker counts (training =
    /// epochs x 3 x train samples, a point = its evaluation/timing/fine-tuning work; reports: a small positive number),
    /// from the data's shape only (no data loaded). Keys are unit keys.
    ///
    /// Every cost is at least 1, so a job service can weigh progress by them and never divide by
    /// zero; the reports unit costs one pass per row it draws.
    public func unitCosts(spec: SweepSpec, shape: DataShape) -> [String: Double] {
        let work = SweepWorkUnits(spec: spec, trainCount: shape.trainCount, testCount: shape.testCount)
        let rows = lines.reduce(0) { $0 + $1.points.count }
        return Dictionary(uniqueKeysWithValues: units.map { unit in
            let cost: Double
            switch unit.kind {
            case .training: cost = work.trainingUnits
            case .line: cost = unit.points.reduce(0) { $0 + work.units(of: $1) }
            case .reports: cost = Double(rows)
            }
            return (unit.key, max(1, cost))
        })
    }
}
