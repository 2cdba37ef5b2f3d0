import PruneKit

extension NewJob {
    /// Every store's check of `unitCosts`: each names a unit of the plan and is finite and not negative.
    static func checkUnitCosts(_ costs: [String: Double], jobID: String, plan: SweepPlan) throws {
        let keys = Set(plan.units.map(\.key))
        for (key, cost) in costs.sorted(by: { $0.key < $1.key }) {
            guard keys.contains(key) else {
                throw WorkStoreError.invalidArgument("unitCosts of job \(jobID) names unit \(key), which the plan does not have")
            }
            guard cost.isFinite, cost >= 0 else {
                throw WorkStoreError.invalidArgument("unitCosts of job \(jobID): unit \(key) costs \(cost), expected a finite number >= 0")
            }
        }
    }
}
