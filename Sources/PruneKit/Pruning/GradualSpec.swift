/// Zhu & Gupta's gradual pruning (2017; TensorFlow Model Optimization's `PolynomialDecay` with
/// power 3): sparsity rises from 0 at `startEpoch` to the target at `endEpoch` along
/// s_t = s_f (1 - (1 - (t - t0) / (t1 - t0))^3), and is held after t1.
public struct GradualSpec: Codable, Equatable, Sendable {
    /// t0 in epochs (may be fractional).
    public var startEpoch: Double
    /// t1 in epochs (may be fractional); nil: 0.75 x training epochs.
    public var endEpoch: Double?
    /// Masks are recomputed every this many training steps between t0 and t1.
    public var everySteps: Int

    /// A schedule from t0 to t1, recomputing masks every `everySteps` steps; defaults match the spec's.
    public init(startEpoch: Double = 0, endEpoch: Double? = nil, everySteps: Int = 100) {
        self.startEpoch = startEpoch
        self.endEpoch = endEpoch
        self.everySteps = everySteps
    }

    enum CodingKeys: String, CodingKey {
        case startEpoch = "start_epoch", endEpoch = "end_epoch", everySteps = "every_steps"
    }

    /// Decodes the spec's snake_case keys; each missing key takes its default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(startEpoch: try c.decodeIfPresent(Double.self, forKey: .startEpoch) ?? 0,
                  endEpoch: try c.decodeIfPresent(Double.self, forKey: .endEpoch),
                  everySteps: try c.decodeIfPresent(Int.self, forKey: .everySteps) ?? 100)
    }

    /// Encodes the snake_case keys, leaving out an unset `end_epoch`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(startEpoch, forKey: .startEpoch)
        try c.encodeIfPresent(endEpoch, forKey: .endEpoch)   // unset: left out, as every optional of a resolved spec
        try c.encode(everySteps, forKey: .everySteps)
    }

    /// t1 for a run of `epochs` epochs.
    public func resolvedEndEpoch(trainingEpochs epochs: Int) -> Double {
        endEpoch ?? 0.75 * Double(epochs)
    }
}

/// The gradual curve resolved to training steps: which sparsity holds at which step, and at
/// which steps the masks are recomputed.
struct GradualCurve: Equatable, Sendable {
    /// Target sparsity in percent.
    var finalSparsity: Double
    /// First and last step of the ramp (steps counted from 0 over the whole run).
    var startStep: Int
    var endStep: Int
    var everySteps: Int

    init(finalSparsity: Double, startStep: Int, endStep: Int, everySteps: Int) {
        precondition(everySteps > 0 && startStep >= 0 && endStep >= startStep, "a gradual curve needs 0 <= t0 <= t1 and a positive interval")
        self.finalSparsity = finalSparsity
        self.startStep = startStep
        self.endStep = endStep
        self.everySteps = everySteps
    }

    /// The curve of `spec` for a run of `epochs` epochs of `stepsPerEpoch` steps each.
    init(_ spec: GradualSpec, finalSparsity: Double, epochs: Int, stepsPerEpoch: Int) {
        let t0 = Int((spec.startEpoch * Double(stepsPerEpoch)).rounded())
        let t1 = Int((spec.resolvedEndEpoch(trainingEpochs: epochs) * Double(stepsPerEpoch)).rounded())
        self.init(finalSparsity: finalSparsity, startStep: t0, endStep: max(t0, t1), everySteps: spec.everySteps)
    }

    /// s_t in percent: 0 before t0, the cubic between, the target from t1 on.
    func sparsity(atStep t: Int) -> Double {
        if t >= endStep { return finalSparsity }
        if t <= startStep { return 0 }
        let progress = Double(t - startStep) / Double(endStep - startStep)
        let remaining = 1 - progress
        return finalSparsity * (1 - remaining * remaining * remaining)
    }

    /// Whether the masks are recomputed before step `t`: every `everySteps` steps from t0, and
    /// at t1 itself so the target is reached exactly; never after t1 (the mask is held).
    func updatesMask(atStep t: Int) -> Bool {
        guard t >= startStep && t <= endStep else { return false }
        return t == endStep || (t - startStep) % everySteps == 0
    }
}
