import PruneKit

extension SweepPoint {
    /// The point's identity within a job, the store's unique key for its row:
    /// `rR/METHOD/SCOPE/SPARSITY/VARIANT`, e.g. `r0/weight/all/50/pruned`.
    public var storeKey: String {
        let scope = layer.map { "layer\($0)" } ?? "all"
        let sparsity = targetSparsity == targetSparsity.rounded() && abs(targetSparsity) < 1e15
            ? String(Int(targetSparsity)) : "\(targetSparsity)"
        return "r\(repeatIndex)/\(method.rawValue)/\(scope)/\(sparsity)/\(variant.rawValue)"
    }
}
