#if POSTGRES
import PruneKit

/// A plan's units as column arrays, checked like the SQLite store checks them: keys unique,
/// every dependency a unit of the plan. A unit's `waiting_on` counts its distinct dependencies.
struct StorePlanRows {
    var jobID: String
    var keys: [String] = []
    var kinds: [String] = []
    var positions: [Int] = []
    /// -1 where the unit has no repeat (the reports): arrays of bigint carry no nulls here.
    var repeatIndexes: [Int] = []
    var waitingOn: [Int] = []
    /// `NewJob.unitCosts`, 1 where not named.
    var costs: [Double] = []
    var dependencyUnits: [String] = []
    var dependencyKeys: [String] = []

    init(jobID: String, plan: SweepPlan, costs given: [String: Double] = [:]) throws {
        self.jobID = jobID
        try NewJob.checkUnitCosts(given, jobID: jobID, plan: plan)
        let keys = Set(plan.units.map(\.key))
        guard keys.count == plan.units.count else { throw WorkStoreError.invalidArgument("the plan of job \(jobID) repeats a unit key") }
        for (position, unit) in plan.units.enumerated() {
            if let unknown = unit.dependencies.first(where: { !keys.contains($0) }) {
                throw WorkStoreError.invalidArgument("unit \(unit.key) of job \(jobID) depends on \(unknown), which the plan does not have")
            }
            if let index = unit.repeatIndex, index < 0 {
                throw WorkStoreError.invalidArgument("unit \(unit.key) of job \(jobID) has a negative repeat index")
            }
            self.keys.append(unit.key)
            switch unit.kind {
            case .training: kinds.append("training")
            case .line: kinds.append("line")
            case .reports: kinds.append("reports")
            }
            positions.append(position)
            costs.append(given[unit.key] ?? 1)
            repeatIndexes.append(unit.repeatIndex ?? -1)
            let dependencies = Set(unit.dependencies).sorted()
            waitingOn.append(dependencies.count)
            for dependency in dependencies {
                dependencyUnits.append(unit.key)
                dependencyKeys.append(dependency)
            }
        }
    }
}
#endif
