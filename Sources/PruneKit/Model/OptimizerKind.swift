/// The optimizers the trainer has.
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    case adam, sgd
}
