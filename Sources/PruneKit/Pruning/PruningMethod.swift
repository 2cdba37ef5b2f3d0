/// The pruning criteria: what to remove from a trained network.
public enum PruningMethod: String, Codable, CaseIterable, Sendable {
    /// Per layer, zero the k% of weights with the smallest |w|.
    case weight
    /// Per layer, remove the k% of output units with the smallest column L2 norm.
    case unit
    /// One magnitude threshold across all prunable layers.
    case globalWeight = "global-weight"
    /// Baselines: weights or units chosen at random (seeded).
    case randomWeight = "random-weight"
    case randomUnit = "random-unit"

    /// Whether the method removes whole units (giving a smaller dense network)
    /// rather than zeroing single weights (giving a sparse one).
    public var removesUnits: Bool { self == .unit || self == .randomUnit }
}
