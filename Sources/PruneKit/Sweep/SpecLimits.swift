import Foundation

/// The limit the schema cannot state field by field: the network's size, which depends on the
/// data's input size and class count. A spec over it is valid but refused (HTTP 422, not 400).
public enum SpecLimits {
    /// Most trainable parameters a spec's network may have; a spec over it is refused (HTTP 422).
    public static let maxParameters = 50_000_000
}

extension SweepSpec {
    /// The number of trainable parameters of the spec's network for a given input size and class count.
    public func parameterCount(inputs: Int, classes: Int) -> Int {
        let sizes = [inputs] + model.hidden + [classes]
        var total = 0
        for i in 0..<(sizes.count - 1) { total += sizes[i] * sizes[i + 1] + (model.bias ? sizes[i + 1] : 0) }
        return total
    }

    /// Errors of a parsed spec against the limits, for data with this input size and class count.
    public func limitErrors(inputs: Int, classes: Int) -> [SpecFieldError] {
        let parameters = parameterCount(inputs: inputs, classes: classes)
        guard parameters > SpecLimits.maxParameters else { return [] }
        return [SpecFieldError(pointer: "/model/hidden",
                               detail: "the network \(([inputs] + model.hidden + [classes]).map(String.init).joined(separator: "-")) would have \(parameters) parameters; at most \(SpecLimits.maxParameters) are allowed")]
    }
}
