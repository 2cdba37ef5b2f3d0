import Foundation

/// What a sweep is doing now. Reported by `SweepRunner` through its progress callback.
public enum SweepPhase: String, Codable, Sendable, CaseIterable {
    case loading, training, pruning, evaluating
    case fineTuning = "fine-tuning"
    case reporting
}

/// A snapshot of a running sweep, cheap to copy and to encode (the service forwards it as-is).
public struct SweepProgress: Codable, Equatable, Sendable {
    /// What the sweep is doing now.
    public var phase: SweepPhase
    /// Fraction of the whole sweep done, 0...1, monotonic.
    public var fraction: Double
    /// Training (or fine-tuning): 1-based epoch and step within it.
    public var epoch: Int?
    /// Epochs of the current training or fine-tuning run.
    public var epochs: Int?
    /// 1-based step within the current epoch.
    public var step: Int?
    /// Steps in one epoch at the spec's batch size.
    public var stepsPerEpoch: Int?
    /// Pruning/evaluation: 1-based index of the (method, sparsity, repeat) point and their count.
    public var level: Int?
    /// Points (method, sparsity, repeat) in the whole sweep.
    public var levels: Int?
    /// The pruning criterion of the current point.
    public var method: PruningMethod?
    /// Target sparsity in percent of the current point.
    public var sparsity: Double?
    /// 0-based repeat of the current point.
    public var repeatIndex: Int?
    /// Estimated seconds until the whole sweep is done; nil until there is a basis for it.
    public var etaSeconds: Double?
    /// Training throughput of the last epoch (or so far), samples per second.
    public var samplesPerSecond: Double?

    /// A snapshot with only the phase and fraction; the runner fills in what the phase knows.
    public init(phase: SweepPhase, fraction: Double) {
        self.phase = phase
        self.fraction = fraction
    }

    enum CodingKeys: String, CodingKey {
        case phase, fraction, epoch, epochs, step, level, levels, method, sparsity
        case stepsPerEpoch = "steps_per_epoch", repeatIndex = "repeat", etaSeconds = "eta_seconds"
        case samplesPerSecond = "samples_per_second"
    }
}
