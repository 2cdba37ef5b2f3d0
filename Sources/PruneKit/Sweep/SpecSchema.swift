import Foundation

/// The sweep spec, described once. Every field is one entry of `fields`; the parser
/// (`SweepSpec.parse`), the JSON Schema in the OpenAPI document, the README's spec table and
/// the page form's defaults and limits all follow from this table, and a test checks that they
/// agree. Defaults are the values of `SweepSpec()`, the reference experiment.
///
/// To add a field: add its property to the spec struct, one entry here, and its meaning in the engine.
public enum SpecSchema {
    static let synthetic = SpecCondition("/dataset/name", is: DatasetKind.synthetic.rawValue)
    static let idx = SpecCondition("/dataset/name", is: DatasetKind.idx.rawValue)
    static let pathKinds = SpecCondition("/dataset/name", is: DatasetKind.idx.rawValue, DatasetKind.npz.rawValue)
    static let npz = SpecCondition("/dataset/name", is: DatasetKind.npz.rawValue)
    static let csv = SpecCondition("/dataset/name", is: DatasetKind.csv.rawValue)
    static let iterative = SpecCondition("/pruning/schedule", is: PruningSchedule.iterative.rawValue)
    static let gradual = SpecCondition("/pruning/schedule", is: PruningSchedule.gradual.rawValue)

    /// Every field of the spec in document order; parsing, the JSON Schema, the README and the page read this one table.
    public static let fields: [SpecField] = [
        .string("/name", \.name, length: 0...200,
                doc: "names the sweep; artifacts and charts carry it"),

        .choice("/dataset/name", \.dataset.name,
                doc: "`fashion-mnist` (Debian's dataset-fashion-mnist), `idx` (a folder of the four IDX files, e.g. MNIST), `npz` (a Keras-layout .npz file), `csv` (CSV files with a header row) or `synthetic` (generated, for quick runs); given a `path`, the name defaults to `idx`"),
        .optionalString("/dataset/path", \.dataset.path, length: 1...4096, onlyWhen: pathKinds, requiredWhen: idx,
                        doc: "`idx`: a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally gzipped; `npz`: a file with arrays x_train, y_train, x_test, y_test (inputs uint8, scaled to [0, 1], or float32, used as given, of any sample shape; integer labels 0–255)"),
        .optionalString("/dataset/uploaded", \.dataset.uploaded, length: 1...64, onlyWhen: npz,
                        doc: "`npz`, over HTTP: the id `POST /datasets` gave an uploaded .npz, instead of `path`; given alone, the name defaults to `npz`"),
        .optionalString("/dataset/train", \.dataset.train, length: 1...4096, onlyWhen: csv,
                        doc: "the training CSV: a header row, then one sample a line; numeric feature columns used as given and an integer label column"),
        .optionalString("/dataset/test", \.dataset.test, length: 1...4096, onlyWhen: csv,
                        doc: "the test CSV, with the same columns as `train`"),
        .optionalString("/dataset/train_uploaded", \.dataset.trainUploaded, length: 1...64, onlyWhen: csv,
                        doc: "`csv`, over HTTP: the id of an uploaded training CSV (`POST /datasets?label_column=...`), instead of `train`"),
        .optionalString("/dataset/test_uploaded", \.dataset.testUploaded, length: 1...64, onlyWhen: csv,
                        doc: "`csv`, over HTTP: the id of an uploaded test CSV, instead of `test`"),
        SpecField("/dataset/label_column", .string(length: 1...200), onlyWhen: csv,
                  doc: "the header name of the CSV column holding the labels (integers 0–255); every other column is a feature",
                  read: { .string($0.dataset.labelColumn) },
                  write: { spec, value in if case .string(let s) = value { spec.dataset.labelColumn = s } }),
        .optionalInteger("/dataset/train_limit", \.dataset.trainLimit, 1...10_000_000,
                         doc: "use only the first N training samples; null or absent: all"),
        .optionalInteger("/dataset/test_limit", \.dataset.testLimit, 1...10_000_000,
                         doc: "use only the first N test samples; null or absent: all"),
        .integer("/dataset/train_size", \.dataset.trainSize, 1...1_000_000, onlyWhen: synthetic,
                 doc: "training samples to generate"),
        .integer("/dataset/test_size", \.dataset.testSize, 1...1_000_000, onlyWhen: synthetic,
                 doc: "test samples to generate"),
        .integer("/dataset/features", \.dataset.features, 1...8192, onlyWhen: synthetic,
                 doc: "inputs per sample"),
        .integer("/dataset/classes", \.dataset.classes, 2...256, onlyWhen: synthetic,
                 doc: "classes (labels are stored as bytes)"),
        .integer("/dataset/seed", \.dataset.seed, 0...Int(UInt32.max), onlyWhen: synthetic,
                 doc: "seed of the generator"),

        SpecField("/model/hidden", .integerList(count: 0...16, items: 1...8192), nullable: true,
                  doc: "hidden layer widths; the input and output sizes come from the data; with `weights` they come from the file (null or absent), and a list given must match it",
                  read: { spec in spec.model.declaredHidden.map { .array($0.map { .int($0) }) } ?? .null },
                  write: { spec, value in
                      if case .array(let list) = value { spec.model.declaredHidden = list.compactMap { if case .int(let i) = $0 { i } else { nil } } }
                      else { spec.model.declaredHidden = nil }
                  }),
        SpecField("/model/bias", .boolean, nullable: true,
                  doc: "whether layers have biases (the reference has none); with `weights` the file decides (null or absent), and a value given must match it",
                  read: { spec in spec.model.declaredBias.map { .bool($0) } ?? .null },
                  write: { spec, value in if case .bool(let b) = value { spec.model.declaredBias = b } else { spec.model.declaredBias = nil } }),
        .optionalString("/model/weights", \.model.weights, length: 1...4096,
                        doc: "a safetensors file of a trained MLP to prune instead of training one (F32, F16 or BF16): PyTorch `nn.Sequential` of `nn.Linear` (`0.weight` [out, in], `0.bias`, `2.weight`, ...), the names in `layers`, or a PruneLab checkpoint; its input and output sizes must match the data"),
        .optionalString("/model/uploaded", \.model.uploaded, length: 1...64,
                        doc: "over HTTP: the id `POST /models` gave an uploaded safetensors file, instead of `weights` (the same layouts; its `layers`, if it was uploaded with some, unless given here)"),
        SpecField("/model/layers", .distinctStringList(count: 1...17, length: 1...200),
                  doc: "with `weights`: the file's layer names in order, for files named otherwise (`[\"fc1\", \"fc2\"]` reads `fc1.weight`, `fc1.bias`, ...; weights [out, in] as PyTorch stores them)",
                  read: { spec in spec.model.layers.map { .array($0.map { .string($0) }) } ?? .null },
                  write: { spec, value in
                      if case .array(let list) = value { spec.model.layers = list.compactMap { if case .string(let s) = $0 { s } else { nil } } }
                  }),

        .integer("/training/epochs", \.training.epochs, 0...200,
                 doc: "passes over the training set; 0 by default with imported `model.weights` (set it to train them further first)"),
        .integer("/training/batch_size", \.training.batchSize, 1...8192,
                 doc: "samples per step"),
        .choice("/training/optimizer", \.training.optimizer,
                doc: "`adam` (betas 0.9 / 0.999, epsilon 1e-7, as TensorFlow) or `sgd` with momentum"),
        .number("/training/learning_rate", \.training.learningRate, .aboveUpTo(0, 10),
                doc: "step size"),
        .number("/training/momentum", \.training.momentum, .upToExcluding(0, 1),
                doc: "momentum of `sgd` (Adam ignores it)"),
        .integer("/training/seed", \.training.seed, 0...Int(UInt32.max),
                 doc: "seed of initialisation and shuffling"),

        .distinctChoiceList("/pruning/methods", \.pruning.methods, count: 1...PruningMethod.allCases.count,
                            doc: "criteria: `weight` (smallest |w| per layer), `unit` (smallest column L2 norm per layer; a smaller dense network), `global-weight` (one magnitude threshold across layers), `random-weight` and `random-unit` (baselines)"),
        .distinctNumberList("/pruning/sparsities", \.pruning.sparsities, count: 1...64, items: .upToExcluding(0, 100),
                            doc: "target sparsities in percent"),
        .boolean("/pruning/prune_last_layer", \.pruning.pruneLastLayer,
                 doc: "also prune the output layer (weight methods only: unit methods never remove classes)"),
        .integer("/pruning/finetune_epochs", \.pruning.finetuneEpochs, 0...200,
                 doc: "retrain each pruned network with its pruned weights held at zero, reporting accuracy before and after (one-shot and iterative only)"),
        .choice("/pruning/schedule", \.pruning.schedule,
                doc: "`one-shot`: each target pruned from the trained network; `iterative`: targets in increasing order, each step pruning the last further (mask kept) then retraining or rewinding; `gradual`: sparsity rises along Zhu & Gupta's cubic curve while training from initialisation; `at-init`: pruned at initialisation, then trained with the mask held"),
        SpecField("/pruning/rewind", .choiceOrInteger(["init"], 1...199), nullable: true, onlyWhen: iterative,
                  doc: "lottery tickets: after each iterative step the surviving weights go back to their initial values (`init`) or to those after epoch k of the first training, then train `training.epochs` − k epochs; needs `finetune_epochs` 0 and k < `training.epochs`",
                  read: { spec in
                      switch spec.pruning.rewind {
                      case nil: return .null
                      case .initialization?: return .string("init")
                      case .epoch(let k)?: return .int(k)
                      }
                  },
                  write: { spec, value in
                      switch value {
                      case .string: spec.pruning.rewind = .initialization
                      case .int(let k): spec.pruning.rewind = .epoch(k)
                      default: spec.pruning.rewind = nil
                      }
                  }),
        .number("/pruning/gradual/start_epoch", \.pruning.gradual.startEpoch, .closed(0, 200), onlyWhen: gradual,
                doc: "t0: where the cubic curve starts from 0 sparsity, in (fractional) epochs"),
        .optionalNumber("/pruning/gradual/end_epoch", \.pruning.gradual.endEpoch, .aboveUpTo(0, 200), onlyWhen: gradual,
                        doc: "t1: where it reaches the target, after `start_epoch` and at most `training.epochs`; null or absent: 0.75 × `training.epochs`"),
        .integer("/pruning/gradual/every_steps", \.pruning.gradual.everySteps, 1...1_000_000, onlyWhen: gradual,
                 doc: "masks are recomputed every this many training steps between t0 and t1, and held after"),
        .distinctChoiceList("/pruning/controls", \.pruning.controls, count: 0...PruningControl.allCases.count,
                            doc: "baselines that make a result believable: `random-reinit` (each point that trains after pruning, its mask from a fresh random initialisation) and `small-dense` (a dense network of the same depth with as many weights as the point keeps, trained from scratch)"),
        .choice("/pruning/scope", \.pruning.scope,
                doc: "`all` layers together, or `each-layer` alone with the others intact (sensitivity analysis)"),

        .integer("/repeats", \.repeats, 1...20,
                 doc: "independent models with seeds `training.seed + r`; summaries give mean and std"),
    ]

    /// A field given without the field it implies takes the implied value: a `path` alone means
    /// `name: "idx"`.
    public static let implications: [SpecImplication] = [
        SpecImplication(given: "/dataset/path", sets: "/dataset/name", to: .string(DatasetKind.idx.rawValue)),
        // Imported weights bring their own shape and are already trained.
        SpecImplication(given: "/model/weights", sets: "/model/hidden", to: .null),
        SpecImplication(given: "/model/weights", sets: "/model/bias", to: .null),
        SpecImplication(given: "/model/weights", sets: "/training/epochs", to: .int(0)),
        SpecImplication(given: "/dataset/uploaded", sets: "/dataset/name", to: .string(DatasetKind.npz.rawValue)),
        SpecImplication(given: "/model/uploaded", sets: "/model/hidden", to: .null),
        SpecImplication(given: "/model/uploaded", sets: "/model/bias", to: .null),
        SpecImplication(given: "/model/uploaded", sets: "/training/epochs", to: .int(0)),
    ]

    /// Rules across fields that the field entries cannot say alone. Each names every field
    /// involved, and says itself in JSON Schema too. (Relations between numbers, such as a rewind
    /// epoch below `training.epochs`, JSON Schema cannot say: `SweepSpec.refusals()` has them.)
    public static let rules: [SpecRule] = [
        exactlyOne("/dataset/path", "/dataset/uploaded", when: npz),
        exactlyOne("/dataset/train", "/dataset/train_uploaded", when: csv),
        exactlyOne("/dataset/test", "/dataset/test_uploaded", when: csv),
        SpecRule(pointers: ["/model/uploaded", "/model/weights"],
                 doc: "`uploaded` and `weights` both name the network to import: give one",
                 jsonSchema: ["not": ["required": ["uploaded", "weights"]]],
                 objectPointer: "/model",
                 problem: { spec in
                     spec.model.uploaded != nil && spec.model.weights != nil ? "and /model/weights both name the network to import; give one" : nil
                 }),
        needsWeights("/model/layers", doc: "`layers` needs `weights` or `uploaded`: it names the layers of that file", whenNull: false),
        needsWeights("/model/hidden", doc: "`hidden` may be null only with `weights` or `uploaded` (whose file gives the widths)", whenNull: true),
        needsWeights("/model/bias", doc: "`bias` may be null only with `weights` or `uploaded` (whose file decides)", whenNull: true),
        SpecRule(pointers: ["/pruning/methods", "/pruning/schedule"],
                 doc: "each method runs only with some schedules: `weight`, `global-weight` and `random-weight` with all four; `unit`, `random-unit` and `taylor-unit` with all but `at-init` (they need a trained network); `snip` and `synflow` with `at-init` only, so `at-init` needs its `methods` given",
                 jsonSchema: .object(["allOf": .array(PruningSchedule.allCases.map { schedule in
                     let allowed = PruningMethod.allCases.filter { $0.allowedSchedules.contains(schedule) }
                     var then: [String: JSONValue] = ["properties": ["methods": ["items": ["enum": .array(allowed.map { .string($0.rawValue) })]]]]
                     if !PruningSpec().methods.allSatisfy(allowed.contains) { then["required"] = ["methods"] }
                     return ["anyOf": [["not": SpecJSONSchema.holds(SpecCondition("/pruning/schedule", is: schedule.rawValue))], .object(then)]]
                 })]),
                 objectPointer: "/pruning",
                 problem: { spec in
                     let schedule = spec.pruning.schedule
                     let wrong = spec.pruning.methods.filter { !$0.allowedSchedules.contains(schedule) }
                     guard !wrong.isEmpty else { return nil }
                     let allowed = PruningMethod.allCases.filter { $0.allowedSchedules.contains(schedule) }.map(\.rawValue)
                     return "\(wrong.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")) cannot run with /pruning/schedule \"\(schedule.rawValue)\", which takes \(allowed.joined(separator: ", "))"
                 }),
        SpecRule(pointers: ["/pruning/finetune_epochs", "/pruning/schedule"],
                 doc: "`finetune_epochs` must be 0 with `gradual` and `at-init`: they train `training.epochs` after (or while) pruning",
                 jsonSchema: ["anyOf": [["not": SpecJSONSchema.holds(SpecCondition("/pruning/schedule", is: "gradual", "at-init"))],
                                        ["properties": ["finetune_epochs": ["const": 0]]]]],
                 objectPointer: "/pruning",
                 problem: { spec in
                     let schedule = spec.pruning.schedule
                     guard spec.pruning.finetuneEpochs > 0, schedule == .gradual || schedule == .atInit else { return nil }
                     return "must be 0 with /pruning/schedule \"\(schedule.rawValue)\", which trains training.epochs after pruning"
                 }),
        SpecRule(pointers: ["/pruning/finetune_epochs", "/pruning/rewind"],
                 doc: "`rewind` needs `finetune_epochs` 0: a rewound network retrains `training.epochs` − k epochs instead",
                 jsonSchema: ["anyOf": [["not": ["required": ["rewind"], "properties": ["rewind": ["not": ["type": "null"]]]]],
                                        ["properties": ["finetune_epochs": ["const": 0]]]]],
                 objectPointer: "/pruning",
                 problem: { spec in
                     guard spec.pruning.rewind != nil, spec.pruning.finetuneEpochs > 0 else { return nil }
                     return "must be 0 with /pruning/rewind: a rewound network retrains training.epochs - k epochs instead"
                 }),
    ]

    /// A rule that a `/model` field (given, or given as null) needs `/model/weights` or `/model/uploaded`.
    static func needsWeights(_ pointer: String, doc: String, whenNull: Bool) -> SpecRule {
        let key = String(pointer.split(separator: "/").last ?? "")
        let trigger: JSONValue = whenNull ? ["required": [.string(key)], "properties": [key: ["type": "null"]]] : ["required": [.string(key)]]
        return SpecRule(pointers: [pointer, "/model/weights", "/model/uploaded"], doc: doc,
                        jsonSchema: ["anyOf": [["not": trigger], ["required": ["weights"]], ["required": ["uploaded"]]]],
                        objectPointer: "/model",
                        problem: { spec in
                            guard spec.model.weights == nil, spec.model.uploaded == nil, let field = SpecSchema.field(pointer) else { return nil }
                            let value = field.read(spec)
                            guard whenNull ? value == .null : value != .null else { return nil }
                            return whenNull ? "may be null only with /model/weights or /model/uploaded, whose file gives it" : "needs /model/weights or /model/uploaded: it names the layers of that file"
                        })
    }

    /// A rule that, when `condition` holds, exactly one of two fields of the same object is given
    /// (a file's path, or the id of an uploaded one).
    static func exactlyOne(_ a: String, _ b: String, when condition: SpecCondition) -> SpecRule {
        let keyA = String(a.split(separator: "/").last ?? ""), keyB = String(b.split(separator: "/").last ?? "")
        let object = String(a[..<(a.lastIndex(of: "/") ?? a.startIndex)])
        return SpecRule(pointers: [a, b], doc: "with \(condition.text), exactly one of `\(keyA)` and `\(keyB)`",
                        jsonSchema: ["anyOf": [["not": SpecJSONSchema.holds(condition)],
                                               ["oneOf": [["required": [.string(keyA)]], ["required": [.string(keyB)]]]]]],
                        objectPointer: object,
                        problem: { spec in
                            guard let fieldA = SpecSchema.field(a), let fieldB = SpecSchema.field(b),
                                  let subject = SpecSchema.field(condition.pointer), case .string(let value) = subject.read(spec),
                                  condition.values.contains(value) else { return nil }
                            switch (fieldA.read(spec) != .null, fieldB.read(spec) != .null) {
                            case (false, false): return "is required when \(condition.text) (or give \(b), the id of an upload): \(fieldA.doc)"
                            case (true, true): return "and \(b) both name the file; give one"
                            default: return nil
                            }
                        })
    }

    /// The spec as a JSON document with every field the schema has (unset optional ones left
    /// out): what a client would send to get exactly this spec.
    public static func document(of spec: SweepSpec) -> JSONValue {
        var root: JSONValue = .object([:])
        for field in fields {
            let value = field.read(spec)
            // Only fields the spec's own choices allow: synthetic sizes only for synthetic data.
            if value == .null { continue }
            if let condition = field.onlyWhen, case .string(let v) = SpecSchema.field(condition.pointer)?.read(spec), !condition.values.contains(v) { continue }
            root.set(value, atPointer: field.pointer)
        }
        return root
    }

    /// The field at `pointer`, if the schema has one.
    public static func field(_ pointer: String) -> SpecField? {
        fields.first { $0.pointer == pointer }
    }

    /// Pointers of the objects that hold fields, parents before children ("" is the top level).
    public static var objectPointers: [String] {
        var seen: [String] = [""]
        for field in fields {
            var parent = field.parentPointer
            var chain: [String] = []
            while !parent.isEmpty, !seen.contains(parent) {
                chain.insert(parent, at: 0)
                parent = String(parent[..<(parent.lastIndex(of: "/") ?? parent.startIndex)])
            }
            seen += chain
        }
        return seen
    }

    /// The keys an object may hold: its fields and its child objects, in table order.
    public static func keys(of objectPointer: String) -> [String] {
        var keys: [String] = []
        for pointer in fields.map(\.pointer) + objectPointers where pointer != objectPointer {
            guard pointer.hasPrefix(objectPointer + "/") else { continue }
            let rest = pointer.dropFirst(objectPointer.count + 1)
            let key = String(rest.split(separator: "/").first ?? "")
            if !keys.contains(key) { keys.append(key) }
        }
        return keys
    }
}

/// `given` present and `sets` absent: `sets` takes `to`.
public struct SpecImplication: Sendable {
    /// JSON Pointer of the field whose presence triggers the implication.
    public var given: String
    /// JSON Pointer of the field that takes the implied value when it is absent.
    public var sets: String
    /// The value the implied field takes.
    public var to: JSONValue
}

/// A rule across fields, checked on the resolved spec. `problem` returns what is wrong, or nil.
public struct SpecRule: Sendable {
    /// Every field the rule involves; errors are reported at the first and name the others.
    public var pointers: [String]
    /// The rule in words, for the README.
    public var doc: String
    /// The same rule in JSON Schema (an `if`/`then` on the object holding the fields), so that
    /// the OpenAPI document describes exactly what the parser accepts.
    public var jsonSchema: JSONValue
    /// JSON Pointer of the object whose schema carries `jsonSchema` ("" for the top level).
    public var objectPointer: String
    let problem: @Sendable (SweepSpec) -> String?
}
