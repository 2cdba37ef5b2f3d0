import Foundation

/// A range of numbers whose ends may be open: `learning_rate` is in (0, 10], a sparsity in [0, 100).
public struct NumberBounds: Equatable, Sendable {
    /// The lower end of the range.
    public var minimum: Double
    /// Whether `minimum` itself is allowed.
    public var minimumIncluded: Bool
    /// The upper end of the range.
    public var maximum: Double
    /// Whether `maximum` itself is allowed.
    public var maximumIncluded: Bool

    /// Both ends allowed: [low, high].
    public static func closed(_ low: Double, _ high: Double) -> NumberBounds { .init(minimum: low, minimumIncluded: true, maximum: high, maximumIncluded: true) }
    /// Low end allowed, high end not: [low, high).
    public static func upToExcluding(_ low: Double, _ high: Double) -> NumberBounds { .init(minimum: low, minimumIncluded: true, maximum: high, maximumIncluded: false) }
    /// High end allowed, low end not: (low, high].
    public static func aboveUpTo(_ low: Double, _ high: Double) -> NumberBounds { .init(minimum: low, minimumIncluded: false, maximum: high, maximumIncluded: true) }

    /// Whether `x` lies in the range, honouring which ends are open.
    public func contains(_ x: Double) -> Bool {
        (minimumIncluded ? x >= minimum : x > minimum) && (maximumIncluded ? x <= maximum : x < maximum)
    }

    /// "from 0 up to (not including) 100", "greater than 0 and at most 10".
    public var text: String {
        let low = minimumIncluded ? "from \(formatNumber(minimum))" : "greater than \(formatNumber(minimum))"
        let high = maximumIncluded ? (minimumIncluded ? "to \(formatNumber(maximum))" : "and at most \(formatNumber(maximum))")
                                   : "up to (not including) \(formatNumber(maximum))"
        return "\(low) \(high)"
    }

    /// The same in symbols, for the README table: "0 ≤ x < 100".
    public var symbols: String {
        "\(formatNumber(minimum)) \(minimumIncluded ? "≤" : "<") x \(maximumIncluded ? "≤" : "<") \(formatNumber(maximum))"
    }
}

/// What JSON a spec field takes. A closed set, so that the parser, the JSON Schema and the
/// README each handle every case.
public enum SpecType: Equatable, Sendable {
    case integer(ClosedRange<Int>)
    case number(NumberBounds)
    case boolean
    case string(length: ClosedRange<Int>)
    /// One of these strings.
    case choice([String])
    /// A list of integers; `count` bounds its length.
    case integerList(count: ClosedRange<Int>, items: ClosedRange<Int>)
    /// A list of distinct numbers.
    case distinctNumberList(count: ClosedRange<Int>, items: NumberBounds)
    /// A list of distinct strings, each one of `values`.
    case distinctChoiceList(count: ClosedRange<Int>, values: [String])
    /// One of these strings, or an integer in the range (e.g. `rewind`: "init" or an epoch).
    case choiceOrInteger([String], ClosedRange<Int>)
    /// A list of distinct strings, each of a bounded length (e.g. the layer names of a file).
    case distinctStringList(count: ClosedRange<Int>, length: ClosedRange<Int>)
}

/// A condition on another field's resolved value: "when /dataset/name is synthetic".
public struct SpecCondition: Equatable, Sendable {
    /// JSON Pointer of the field the condition reads.
    public var pointer: String
    /// The field holds when its resolved value is any of these strings.
    public var values: [String]

    /// "`pointer` is one of `values`", written as a list of arguments.
    public init(_ pointer: String, is values: String...) {
        self.init(pointer, values)
    }

    /// "`pointer` is one of `values`", from an array.
    public init(_ pointer: String, _ values: [String]) {
        self.pointer = pointer
        self.values = values
    }

    /// `/dataset/name` is "synthetic" (or "a" or "b").
    public var text: String {
        "\(pointer) is " + values.map { "\"\($0)\"" }.joined(separator: " or ")
    }
}

/// One field of the sweep spec, described once: where it is, what it takes, its default and its
/// meaning. The parser, the JSON Schema (OpenAPI), the README table and the page form all follow
/// from the table of these in `SpecSchema`.
public struct SpecField: Sendable {
    /// JSON Pointer (RFC 6901) of the field, e.g. `/training/epochs`.
    public let pointer: String
    /// What JSON the field takes; the parser, schema and README all follow it.
    public let type: SpecType
    /// Whether JSON `null` is accepted (meaning "none": all samples, no rewind, ...).
    /// Other fields refuse null: to take a default, leave the field out.
    public let nullable: Bool
    /// The field is allowed only when this holds (e.g. synthetic sizes only for synthetic data).
    public let onlyWhen: SpecCondition?
    /// The field must be given when this holds (e.g. a path for name "idx").
    public let requiredWhen: SpecCondition?
    /// One line of documentation; the README and the page show it.
    public let doc: String
    /// The field's value in a resolved spec; of `SweepSpec()` it is the default.
    let read: @Sendable (SweepSpec) -> JSONValue
    /// Stores a value the field's type has checked.
    let write: @Sendable (inout SweepSpec, JSONValue) -> Void

    /// The default: the value in the reference experiment.
    public var defaultValue: JSONValue { read(SweepSpec()) }

    /// The field's name: the last component of its pointer.
    public var key: String { String(pointer.split(separator: "/").last ?? "") }

    /// The pointer of the object holding the field ("" for the top level).
    public var parentPointer: String {
        guard let slash = pointer.lastIndex(of: "/") else { return "" }
        return String(pointer[..<slash])
    }
}

// MARK: - Typed constructors, one per Swift type of a spec property

extension SpecField {
    init(_ pointer: String, _ type: SpecType, nullable: Bool = false, onlyWhen: SpecCondition? = nil,
                 requiredWhen: SpecCondition? = nil, doc: String,
                 read: @escaping @Sendable (SweepSpec) -> JSONValue, write: @escaping @Sendable (inout SweepSpec, JSONValue) -> Void) {
        self.pointer = pointer
        self.type = type
        self.nullable = nullable
        self.onlyWhen = onlyWhen
        self.requiredWhen = requiredWhen
        self.doc = doc
        self.read = read
        self.write = write
    }

    static func integer(_ pointer: String, _ path: WritableKeyPath<SweepSpec, Int> & Sendable, _ range: ClosedRange<Int>,
                        onlyWhen: SpecCondition? = nil, doc: String) -> SpecField {
        SpecField(pointer, .integer(range), onlyWhen: onlyWhen, doc: doc,
                  read: { .int($0[keyPath: path]) },
                  write: { spec, value in if case .int(let i) = value { spec[keyPath: path] = i } })
    }

    static func optionalInteger(_ pointer: String, _ path: WritableKeyPath<SweepSpec, Int?> & Sendable, _ range: ClosedRange<Int>,
                                onlyWhen: SpecCondition? = nil, doc: String) -> SpecField {
        SpecField(pointer, .integer(range), nullable: true, onlyWhen: onlyWhen, doc: doc,
                  read: { $0[keyPath: path].map { .int($0) } ?? .null },
                  write: { spec, value in if case .int(let i) = value { spec[keyPath: path] = i } else { spec[keyPath: path] = nil } })
    }

    static func number(_ pointer: String, _ path: WritableKeyPath<SweepSpec, Double> & Sendable, _ bounds: NumberBounds,
                       onlyWhen: SpecCondition? = nil, doc: String) -> SpecField {
        SpecField(pointer, .number(bounds), onlyWhen: onlyWhen, doc: doc,
                  read: { .number($0[keyPath: path]) },
                  write: { spec, value in if let d = value.numberValue { spec[keyPath: path] = d } })
    }

    static func optionalNumber(_ pointer: String, _ path: WritableKeyPath<SweepSpec, Double?> & Sendable, _ bounds: NumberBounds,
                               onlyWhen: SpecCondition? = nil, doc: String) -> SpecField {
        SpecField(pointer, .number(bounds), nullable: true, onlyWhen: onlyWhen, doc: doc,
                  read: { $0[keyPath: path].map { .number($0) } ?? .null },
                  write: { spec, value in spec[keyPath: path] = value.numberValue })
    }

    static func boolean(_ pointer: String, _ path: WritableKeyPath<SweepSpec, Bool> & Sendable, doc: String) -> SpecField {
        SpecField(pointer, .boolean, doc: doc,
                  read: { .bool($0[keyPath: path]) },
                  write: { spec, value in if case .bool(let b) = value { spec[keyPath: path] = b } })
    }

    static func string(_ pointer: String, _ path: WritableKeyPath<SweepSpec, String> & Sendable, length: ClosedRange<Int>,
                       doc: String) -> SpecField {
        SpecField(pointer, .string(length: length), doc: doc,
                  read: { .string($0[keyPath: path]) },
                  write: { spec, value in if case .string(let s) = value { spec[keyPath: path] = s } })
    }

    static func optionalString(_ pointer: String, _ path: WritableKeyPath<SweepSpec, String?> & Sendable, length: ClosedRange<Int>,
                               onlyWhen: SpecCondition? = nil, requiredWhen: SpecCondition? = nil, doc: String) -> SpecField {
        SpecField(pointer, .string(length: length), onlyWhen: onlyWhen, requiredWhen: requiredWhen, doc: doc,
                  read: { $0[keyPath: path].map { .string($0) } ?? .null },
                  write: { spec, value in if case .string(let s) = value { spec[keyPath: path] = s } })
    }

    static func choice<E>(_ pointer: String, _ path: WritableKeyPath<SweepSpec, E> & Sendable, doc: String) -> SpecField
    where E: RawRepresentable & CaseIterable & Sendable, E.RawValue == String {
        SpecField(pointer, .choice(E.allCases.map(\.rawValue)), doc: doc,
                  read: { .string($0[keyPath: path].rawValue) },
                  write: { spec, value in if case .string(let s) = value, let e = E(rawValue: s) { spec[keyPath: path] = e } })
    }

    static func integerList(_ pointer: String, _ path: WritableKeyPath<SweepSpec, [Int]> & Sendable, count: ClosedRange<Int>,
                            items: ClosedRange<Int>, doc: String) -> SpecField {
        SpecField(pointer, .integerList(count: count, items: items), doc: doc,
                  read: { .array($0[keyPath: path].map { .int($0) }) },
                  write: { spec, value in
                      if case .array(let list) = value { spec[keyPath: path] = list.compactMap { if case .int(let i) = $0 { i } else { nil } } }
                  })
    }

    static func distinctNumberList(_ pointer: String, _ path: WritableKeyPath<SweepSpec, [Double]> & Sendable, count: ClosedRange<Int>,
                                   items: NumberBounds, doc: String) -> SpecField {
        SpecField(pointer, .distinctNumberList(count: count, items: items), doc: doc,
                  read: { .array($0[keyPath: path].map { .number($0) }) },
                  write: { spec, value in if case .array(let list) = value { spec[keyPath: path] = list.compactMap(\.numberValue) } })
    }

    static func distinctChoiceList<E>(_ pointer: String, _ path: WritableKeyPath<SweepSpec, [E]> & Sendable, count: ClosedRange<Int>,
                                      doc: String) -> SpecField
    where E: RawRepresentable & CaseIterable & Sendable, E.RawValue == String {
        SpecField(pointer, .distinctChoiceList(count: count, values: E.allCases.map(\.rawValue)), doc: doc,
                  read: { .array($0[keyPath: path].map { .string($0.rawValue) }) },
                  write: { spec, value in
                      if case .array(let list) = value {
                          spec[keyPath: path] = list.compactMap { if case .string(let s) = $0 { E(rawValue: s) } else { nil } }
                      }
                  })
    }
}

func formatNumber(_ x: Double) -> String {
    x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x)
}
