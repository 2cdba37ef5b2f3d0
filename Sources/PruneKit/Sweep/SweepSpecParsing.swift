import Foundation

/// One thing wrong with a submitted spec: where (a JSON Pointer, RFC 6901) and what.
public struct SpecFieldError: Error, Equatable, Sendable, Codable {
    public var pointer: String
    public var detail: String

    public init(pointer: String, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }
}

/// Every problem found in a submitted spec, not just the first.
public struct SpecValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var errors: [SpecFieldError]

    public var description: String {
        errors.map { "\($0.pointer.isEmpty ? "/" : $0.pointer): \($0.detail)" }.joined(separator: "\n")
    }
}

/// Resource limits that are part of validation: a spec beyond them is refused up front
/// rather than exhausting the machine later.
public enum SpecLimits {
    public static let maxHiddenLayers = 16
    public static let maxUnits = 8192
    public static let maxParameters = 50_000_000
    public static let maxEpochs = 200
    public static let maxBatchSize = 8192
    public static let maxSparsityLevels = 64
    public static let maxRepeats = 20
    public static let maxNameLength = 200
    public static let maxSyntheticSamples = 1_000_000
    public static let maxSyntheticFeatures = 8192
    public static let maxClasses = 256  // labels are stored as UInt8
}

extension SweepSpec {
    /// Parses and validates a user-submitted spec (JSON object). Missing fields take the
    /// reference experiment's defaults. Throws `SpecValidationError` naming every bad field.
    public static func parse(_ json: Data) throws -> SweepSpec {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        } catch {
            throw SpecValidationError(errors: [SpecFieldError(pointer: "", detail: "not valid JSON: \(error.localizedDescription)")])
        }
        var reader = SpecReader()
        let spec = reader.spec(object)
        if !reader.errors.isEmpty { throw SpecValidationError(errors: reader.errors) }
        return spec
    }

    /// The number of trainable parameters of the spec's network for a given input size and class count.
    public func parameterCount(inputs: Int, classes: Int) -> Int {
        let sizes = [inputs] + model.hidden + [classes]
        var total = 0
        for i in 0..<(sizes.count - 1) { total += sizes[i] * sizes[i + 1] + (model.bias ? sizes[i + 1] : 0) }
        return total
    }
}

/// Walks the JSON object, collecting errors with their pointers.
private struct SpecReader {
    var errors: [SpecFieldError] = []

    mutating func fail(_ pointer: String, _ detail: String) {
        errors.append(SpecFieldError(pointer: pointer, detail: detail))
    }

    mutating func object(_ value: Any?, at pointer: String, allowed: [String]) -> [String: Any]? {
        guard let value else { return nil }
        guard let dict = value as? [String: Any] else {
            fail(pointer, "must be an object with fields \(allowed.joined(separator: ", "))")
            return nil
        }
        for key in dict.keys.sorted() where !allowed.contains(key) {
            fail(pointer + "/" + escape(key), "unknown field; allowed fields are \(allowed.joined(separator: ", "))")
        }
        return dict
    }

    mutating func int(_ dict: [String: Any]?, _ key: String, at base: String, default def: Int, range: ClosedRange<Int>) -> Int {
        optionalInt(dict, key, at: base, range: range) ?? def
    }

    mutating func optionalInt(_ dict: [String: Any]?, _ key: String, at base: String, range: ClosedRange<Int>) -> Int? {
        guard let raw = dict?[key], !(raw is NSNull) else { return nil }
        let pointer = base + "/" + key
        guard let number = raw as? NSNumber, !isBool(number), let value = exactInt(number) else {
            fail(pointer, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        guard range.contains(value) else {
            fail(pointer, "must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
            return nil
        }
        return value
    }

    mutating func double(_ dict: [String: Any]?, _ key: String, at base: String, default def: Double,
                         valid: (Double) -> Bool, rangeText: String) -> Double {
        guard let raw = dict?[key], !(raw is NSNull) else { return def }
        let pointer = base + "/" + key
        guard let number = raw as? NSNumber, !isBool(number), number.doubleValue.isFinite else {
            fail(pointer, "must be a number \(rangeText)")
            return def
        }
        guard valid(number.doubleValue) else {
            fail(pointer, "must be \(rangeText), got \(number.doubleValue)")
            return def
        }
        return number.doubleValue
    }

    mutating func bool(_ dict: [String: Any]?, _ key: String, at base: String, default def: Bool) -> Bool {
        guard let raw = dict?[key], !(raw is NSNull) else { return def }
        guard let number = raw as? NSNumber, isBool(number) else {
            fail(base + "/" + key, "must be true or false")
            return def
        }
        return number.boolValue
    }

    mutating func string(_ dict: [String: Any]?, _ key: String, at base: String, maxLength: Int) -> String? {
        guard let raw = dict?[key], !(raw is NSNull) else { return nil }
        guard let text = raw as? String else {
            fail(base + "/" + key, "must be a string")
            return nil
        }
        guard text.count <= maxLength else {
            fail(base + "/" + key, "must be at most \(maxLength) characters, got \(text.count)")
            return nil
        }
        return text
    }

    mutating func spec(_ root: Any) -> SweepSpec {
        var spec = SweepSpec()
        let rootFields = ["name", "dataset", "model", "training", "pruning", "repeats"]
        guard let top = object(root, at: "", allowed: rootFields) else { return spec }
        if let name = string(top, "name", at: "", maxLength: SpecLimits.maxNameLength) { spec.name = name }
        spec.dataset = dataset(top["dataset"])
        spec.model = model(top["model"])
        spec.training = training(top["training"])
        spec.pruning = pruning(top["pruning"])
        spec.repeats = int(top, "repeats", at: "", default: 1, range: 1...SpecLimits.maxRepeats)
        if spec.dataset.name == "synthetic" {
            let parameters = spec.parameterCount(inputs: spec.dataset.features, classes: spec.dataset.classes)
            if parameters > SpecLimits.maxParameters {
                fail("/model/hidden", "the network would have \(parameters) parameters; at most \(SpecLimits.maxParameters) are allowed")
            }
        } else {
            // IDX data: inputs known only on load; bound with the largest common image (784 inputs, 10 classes)
            // here, and the runner checks again once the files are read.
            let parameters = spec.parameterCount(inputs: 784, classes: 10)
            if parameters > SpecLimits.maxParameters {
                fail("/model/hidden", "the network would have about \(parameters) parameters; at most \(SpecLimits.maxParameters) are allowed")
            }
        }
        return spec
    }

    mutating func dataset(_ value: Any?) -> DatasetSpec {
        var d = DatasetSpec()
        let base = "/dataset"
        let fields = ["name", "path", "train_limit", "test_limit", "train_size", "test_size", "features", "classes", "seed"]
        guard let dict = object(value, at: base, allowed: fields) else { return d }
        let names = ["fashion-mnist", "idx", "synthetic"]
        let path = string(dict, "path", at: base, maxLength: 4096)
        if let name = string(dict, "name", at: base, maxLength: 64) {
            if names.contains(name) { d.name = name } else { fail(base + "/name", "must be one of \(names.joined(separator: ", ")), got \"\(name)\"") }
        } else if path != nil {
            d.name = "idx"
        }
        if let path {
            if path.isEmpty { fail(base + "/path", "must be a folder holding the four IDX files, got an empty string") }
            d.path = path
            if d.name != "idx" { fail(base + "/path", "is only allowed with name \"idx\" (or without a name)") }
        } else if d.name == "idx" {
            fail(base + "/path", "is required with name \"idx\": a folder holding the four IDX files")
        }
        d.trainLimit = optionalInt(dict, "train_limit", at: base, range: 1...10_000_000)
        d.testLimit = optionalInt(dict, "test_limit", at: base, range: 1...10_000_000)
        let syntheticOnly = ["train_size", "test_size", "features", "classes", "seed"]
        if d.name != "synthetic" {
            for key in syntheticOnly where dict[key] != nil {
                fail(base + "/" + key, "is only allowed with name \"synthetic\"")
            }
        }
        d.trainSize = int(dict, "train_size", at: base, default: d.trainSize, range: 1...SpecLimits.maxSyntheticSamples)
        d.testSize = int(dict, "test_size", at: base, default: d.testSize, range: 1...SpecLimits.maxSyntheticSamples)
        d.features = int(dict, "features", at: base, default: d.features, range: 1...SpecLimits.maxSyntheticFeatures)
        d.classes = int(dict, "classes", at: base, default: d.classes, range: 2...SpecLimits.maxClasses)
        d.seed = int(dict, "seed", at: base, default: d.seed, range: 0...Int(UInt32.max))
        return d
    }

    mutating func model(_ value: Any?) -> ModelSpec {
        var m = ModelSpec()
        let base = "/model"
        guard let dict = object(value, at: base, allowed: ["hidden", "bias"]) else { return m }
        if let raw = dict["hidden"], !(raw is NSNull) {
            let rangeText = "a list of at most \(SpecLimits.maxHiddenLayers) layer sizes, each from 1 to \(SpecLimits.maxUnits)"
            if let list = raw as? [Any], list.count <= SpecLimits.maxHiddenLayers {
                var sizes: [Int] = []
                for (i, item) in list.enumerated() {
                    if let n = item as? NSNumber, !isBool(n), let v = exactInt(n), (1...SpecLimits.maxUnits).contains(v) {
                        sizes.append(v)
                    } else {
                        fail("\(base)/hidden/\(i)", "must be an integer from 1 to \(SpecLimits.maxUnits)")
                    }
                }
                if sizes.count == list.count { m.hidden = sizes }
            } else {
                fail(base + "/hidden", "must be \(rangeText)")
            }
        }
        m.bias = bool(dict, "bias", at: base, default: m.bias)
        return m
    }

    mutating func training(_ value: Any?) -> TrainingSpec {
        var t = TrainingSpec()
        let base = "/training"
        let fields = ["epochs", "batch_size", "optimizer", "learning_rate", "momentum", "seed"]
        guard let dict = object(value, at: base, allowed: fields) else { return t }
        t.epochs = int(dict, "epochs", at: base, default: t.epochs, range: 0...SpecLimits.maxEpochs)
        t.batchSize = int(dict, "batch_size", at: base, default: t.batchSize, range: 1...SpecLimits.maxBatchSize)
        if let name = string(dict, "optimizer", at: base, maxLength: 32) {
            if let kind = OptimizerKind(rawValue: name) { t.optimizer = kind } else {
                fail(base + "/optimizer", "must be one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
        }
        t.learningRate = double(dict, "learning_rate", at: base, default: t.learningRate,
                                valid: { $0 > 0 && $0 <= 10 }, rangeText: "greater than 0 and at most 10")
        t.momentum = double(dict, "momentum", at: base, default: t.momentum,
                            valid: { $0 >= 0 && $0 < 1 }, rangeText: "from 0 up to (not including) 1")
        t.seed = int(dict, "seed", at: base, default: t.seed, range: 0...Int(UInt32.max))
        return t
    }

    mutating func pruning(_ value: Any?) -> PruningSpec {
        var p = PruningSpec()
        let base = "/pruning"
        let fields = ["methods", "sparsities", "prune_last_layer", "finetune_epochs"]
        guard let dict = object(value, at: base, allowed: fields) else { return p }
        let methodNames = PruningMethod.allCases.map(\.rawValue).joined(separator: ", ")
        if let raw = dict["methods"], !(raw is NSNull) {
            if let list = raw as? [Any], !list.isEmpty, list.count <= PruningMethod.allCases.count {
                var methods: [PruningMethod] = []
                for (i, item) in list.enumerated() {
                    if let name = item as? String, let method = PruningMethod(rawValue: name) {
                        if methods.contains(method) { fail("\(base)/methods/\(i)", "\"\(name)\" is listed twice") } else { methods.append(method) }
                    } else {
                        fail("\(base)/methods/\(i)", "must be one of \(methodNames)")
                    }
                }
                if methods.count == list.count { p.methods = methods }
            } else {
                fail(base + "/methods", "must be a non-empty list of distinct methods from \(methodNames)")
            }
        }
        if let raw = dict["sparsities"], !(raw is NSNull) {
            if let list = raw as? [Any], !list.isEmpty, list.count <= SpecLimits.maxSparsityLevels {
                var levels: [Double] = []
                for (i, item) in list.enumerated() {
                    if let n = item as? NSNumber, !isBool(n), n.doubleValue >= 0, n.doubleValue < 100 {
                        if levels.contains(n.doubleValue) { fail("\(base)/sparsities/\(i)", "\(n.doubleValue) is listed twice") } else { levels.append(n.doubleValue) }
                    } else {
                        fail("\(base)/sparsities/\(i)", "must be a percentage from 0 up to (not including) 100")
                    }
                }
                if levels.count == list.count { p.sparsities = levels }
            } else {
                fail(base + "/sparsities", "must be a list of 1 to \(SpecLimits.maxSparsityLevels) percentages, each from 0 up to (not including) 100")
            }
        }
        p.pruneLastLayer = bool(dict, "prune_last_layer", at: base, default: p.pruneLastLayer)
        p.finetuneEpochs = int(dict, "finetune_epochs", at: base, default: p.finetuneEpochs, range: 0...SpecLimits.maxEpochs)
        return p
    }
}

/// JSON booleans arrive as NSNumber too; JSONSerialization gives them the type code of a C `char`.
private func isBool(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c"
}

private func exactInt(_ number: NSNumber) -> Int? {
    let d = number.doubleValue
    guard d.isFinite, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
    return Int(d)
}

/// RFC 6901 escaping of a key inside a JSON Pointer.
private func escape(_ key: String) -> String {
    key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}
