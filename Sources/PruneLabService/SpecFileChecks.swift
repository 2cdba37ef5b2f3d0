import Foundation
import PruneKit

/// Checks a parsed spec against this machine: the files it names must exist. (SweepSpec.parse
/// checks the spec against its schema; this is what only the service, which will run it, can
/// check: a refusal here is a 422. `Admission` goes on with the data's shape and the limits.)
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
        case .npz:
            guard let path = spec.dataset.path else { return [] }
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
                return [SpecFieldError(pointer: "/dataset/path", detail: "no file \"\(path)\" on the server")]
            }
        case .csv:
            var missing: [SpecFieldError] = []
            for (pointer, path) in [("/dataset/train", spec.dataset.train), ("/dataset/test", spec.dataset.test)] {
                guard let path else { continue }
                if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
                    missing.append(SpecFieldError(pointer: pointer, detail: "no file \"\(path)\" on the server"))
                }
            }
            return missing
        }
        return []
    }
}
