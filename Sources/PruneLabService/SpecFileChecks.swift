import Foundation
import PruneKit

/// Checks a parsed spec against this machine: files it names must exist, and its network must
/// fit the limits for the data's size. (SweepSpec.parse checks the spec against its schema;
/// this is what only the service, which will run it, can check: a refusal here is a 422.)
enum SpecFileChecks {
    static let fashionMNISTFolder = "/usr/share/datasets/fashion-mnist"

    static func errors(in spec: SweepSpec) -> [SpecFieldError] {
        var isDirectory: ObjCBool = false
        switch spec.dataset.name {
        case .idx:
            guard let path = spec.dataset.path else { return [] }
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || !isDirectory.boolValue {
                return [SpecFieldError(pointer: "/dataset/path", detail: "no folder \"\(path)\" on the server")]
            }
        case .fashionMNIST:
            if !FileManager.default.fileExists(atPath: fashionMNISTFolder) {
                return [SpecFieldError(pointer: "/dataset/name",
                                       detail: "fashion-mnist is not installed on the server (\(fashionMNISTFolder)); install the Debian package dataset-fashion-mnist")]
            }
        case .synthetic:
            break
        }
        return limitErrors(in: spec)
    }

    /// The parameter limit, where the input size is known before loading: synthetic data and
    /// Fashion-MNIST (784 inputs, 10 classes). The runner checks IDX folders once it reads them.
    static func limitErrors(in spec: SweepSpec) -> [SpecFieldError] {
        switch spec.dataset.name {
        case .synthetic: return spec.limitErrors(inputs: spec.dataset.features, classes: spec.dataset.classes)
        case .fashionMNIST: return spec.limitErrors(inputs: 784, classes: 10)
        case .idx: return []
        }
    }
}
