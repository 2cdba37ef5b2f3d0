import Foundation
import PruneKit

extension SweepSpec {
    /// The spec as every store keeps it: the fully resolved form, keys sorted.
    public func storeJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
