/// The criterion that chooses what to remove. Weight methods zero single weights (a sparse
/// network of the original shape); unit methods delete whole hidden units (a smaller dense one).
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
    /// Per layer, remove the units of smallest first-order Taylor importance, |activation x gradient|
    /// summed over training batches (Molchanov et al. 2017).
    case taylorUnit = "taylor-unit"
    /// At initialisation: connection sensitivity |g * w| on one training batch, one global threshold (Lee et al. 2019).
    case snip
    /// At initialisation, data-free: iterative synaptic flow over 100 rounds, one global threshold (Tanaka et al. 2020).
    case synflow

    /// Whether the method removes whole units (giving a smaller dense network)
    /// rather than zeroing single weights (giving a sparse one).
    public var removesUnits: Bool { self == .unit || self == .randomUnit || self == .taylorUnit }

    /// The schedules this criterion can run with; any other pairing is refused.
    public var allowedSchedules: [PruningSchedule] {
        Self.allowedSchedules(for: self)
    }

    /// The method/schedule table: magnitude and random weights go with every schedule, unit
    /// criteria need a trained network (not at init), SNIP and SynFlow are criteria at init only.
    public static func allowedSchedules(for method: PruningMethod) -> [PruningSchedule] {
        switch method {
        case .weight, .globalWeight, .randomWeight: return [.oneShot, .iterative, .gradual, .atInit]
        case .unit, .randomUnit, .taylorUnit: return [.oneShot, .iterative, .gradual]
        case .snip, .synflow: return [.atInit]
        }
    }

    /// Whether the criterion reads training data (a batch's gradients or activations).
    public var needsData: Bool { self == .snip || self == .taylorUnit }
}
