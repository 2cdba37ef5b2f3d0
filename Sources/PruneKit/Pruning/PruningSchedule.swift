/// When pruning happens relative to training.
public enum PruningSchedule: String, Codable, CaseIterable, Sendable {
    /// Each target pruned from the trained network on its own (then optionally fine-tuned).
    case oneShot = "one-shot"
    /// Targets in increasing order, each step pruning the previous step's network further.
    case iterative
    /// Sparsity rising along Zhu & Gupta's cubic curve during a training run from initialisation.
    case gradual
    /// Pruned at initialisation, then trained with the mask held.
    case atInit = "at-init"
}

/// Where the surviving weights go back to after each iterative step (lottery tickets).
/// JSON: `"init"` or an epoch number k (0 < k < training.epochs).
public enum RewindPoint: Codable, Equatable, Hashable, Sendable {
    case initialization
    case epoch(Int)

    /// The epoch the stored weights come from (0: initialisation).
    public var epoch: Int {
        switch self {
        case .initialization: return 0
        case let .epoch(k): return k
        }
    }

    /// Decodes the spec's spelling: the string "init" or an epoch number.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let k = try? container.decode(Int.self) {
            self = .epoch(k)
            return
        }
        let text = try container.decode(String.self)
        guard text == "init" else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "rewind must be \"init\" or an epoch number, got \"\(text)\"")
        }
        self = .initialization
    }

    /// Encodes "init" or the epoch number, as the spec spells it.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .initialization: try container.encode("init")
        case let .epoch(k): try container.encode(k)
        }
    }
}

/// An extra training that tells whether a pruned result owes anything to its criterion.
public enum PruningControl: String, Codable, CaseIterable, Sendable {
    /// The point's mask trained from a fresh random initialisation.
    case randomReinit = "random-reinit"
    /// A dense network of the same depth with as many weights as the point has nonzeros.
    case smallDense = "small-dense"
}

/// Which layers a point prunes.
public enum PruningScope: String, Codable, CaseIterable, Sendable {
    /// Every prunable layer together.
    case all
    /// Sensitivity analysis: each prunable layer alone, the others intact.
    case eachLayer = "each-layer"
}

/// What a result row trained: the pruned network itself or one of its controls.
public enum PointVariant: String, Codable, CaseIterable, Sendable {
    case pruned
    case randomReinit = "random-reinit"
    case smallDense = "small-dense"
}
