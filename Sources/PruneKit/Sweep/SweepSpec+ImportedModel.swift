import Foundation

extension SweepSpec {
    /// The imported network's layers from its file's header, or nil without `model.weights`.
    public func importedArchitecture() throws -> ImportedArchitecture? {
        guard let path = model.weights else { return nil }
        do {
            return try ModelImport.architecture(at: URL(fileURLWithPath: path), layers: model.layers)
        } catch let error as DataFileError {
            throw SweepError.importedModel(pointer: "/model/weights", message: error.description)
        }
    }

    /// With imported weights: the spec whose `hidden` and `bias` are the file's (a `hidden` or
    /// `bias` given must match it), and the file's layers. Without: the spec itself and nil.
    public func resolvingImportedModel() throws -> (spec: SweepSpec, architecture: ImportedArchitecture?) {
        guard let architecture = try importedArchitecture() else { return (self, nil) }
        let fileHidden = Array(architecture.layerSizes.dropFirst().dropLast())
        if let given = model.declaredHidden, given != fileHidden {
            throw SweepError.importedModel(pointer: "/model/hidden", message:
                "is \(given) but \(model.weights ?? "") holds hidden layers \(fileHidden) (\((0..<architecture.layers.count).map(architecture.describe).joined(separator: ", "))); leave hidden out to take the file's")
        }
        if let given = model.declaredBias, given != architecture.hasBias {
            throw SweepError.importedModel(pointer: "/model/bias", message:
                "is \(given) but \(model.weights ?? "") has \(architecture.hasBias ? "biases" : "no biases"); leave bias out to take the file's")
        }
        var resolved = self
        resolved.model.declaredHidden = fileHidden
        resolved.model.declaredBias = architecture.hasBias
        return (resolved, architecture)
    }

    /// The imported network must read the data's samples and give a logit for every class.
    public static func checkImported(_ architecture: ImportedArchitecture, path: String, features: Int, classes: Int) throws {
        let first = architecture.layers[0], last = architecture.layers[architecture.layers.count - 1]
        if first.inputs != features {
            throw SweepError.importedModel(pointer: "/model/weights", message:
                "\(path): \(architecture.describe(0)) takes \(first.inputs) inputs but the dataset's samples have \(features) features")
        }
        if last.outputs < classes {
            throw SweepError.importedModel(pointer: "/model/weights", message:
                "\(path): \(architecture.describe(architecture.layers.count - 1)) gives \(last.outputs) outputs but the dataset has \(classes) classes")
        }
    }
}

extension SweepSpec {
    /// The spec as it will run (imported `hidden` and `bias` from the file) and its data's
    /// shape, the imported network checked against the data: what an estimate needs.
    /// Import problems are `SweepError.importedModel`; data problems those of `dataShape()`.
    public func resolvedWithShape() throws -> (spec: SweepSpec, shape: DataShape) {
        let (spec, architecture) = try resolvingImportedModel()
        var shape = try spec.dataShape()
        if let architecture {
            try Self.checkImported(architecture, path: spec.model.weights ?? "", features: shape.features, classes: shape.classes)
            // The network's outputs are the classes it scores (at least the data's).
            shape.classes = architecture.layerSizes[architecture.layerSizes.count - 1]
        }
        return (spec, shape)
    }
}
