import Foundation

/// What a sweep is doing now. Reported by `SweepRunner` through its progress callback.
public enum SweepPhase: String, Codable, Sendable, CaseIterable {
    case loading, training, pruning, evaluating
    case fineTuning = "fine-tuning"
    case reporting
}

/// A snapshot of a running sweep, cheap to copy and to encode (the service forwards it as-is).
public struct SweepProgress: Codable, Equatable, Sendable {
    public var phase: SweepPhase
    /// Fraction of the whole sweep done, 0...1, monotonic.
    public var fraction: Double
    /// Training (or fine-tuning): 1-based epoch and step within it.
    public var epoch: Int?
    public var epochs: Int?
    public var step: Int?
    public var stepsPerEpoch: Int?
    /// Pruning/evaluation: 1-based index of the (method, sparsity, repeat) point and their count.
    public var level: Int?
    public var levels: Int?
    public var method: PruningMethod?
    public var sparsity: Double?
    public var repeatIndex: Int?
    /// Estimated seconds until the whole sweep is done; nil until there is a basis for it.
    public var etaSeconds: Double?
    /// Training throughput of the last epoch (or so far), samples per second.
    public var samplesPerSecond: Double?

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
