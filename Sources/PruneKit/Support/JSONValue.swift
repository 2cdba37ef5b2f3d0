import Foundation

/// A JSON value with JSON's own distinctions (integer vs number vs boolean), which
/// `JSONSerialization`'s `Any` blurs. The spec schema reads input through it and writes its
/// JSON Schema with it; objects serialise with sorted keys, so documents are stable byte for byte.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text (any value at the top, not only objects).
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONValue(foundation: JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    /// Converts what `JSONSerialization` produced. Booleans arrive as NSNumber with the type
    /// code of a C `char`; integral numbers within ±2^53 become `.int`.
    public init(foundation value: Any) {
        switch value {
        case is NSNull: self = .null
        case let text as String: self = .string(text)
        case let list as [Any]: self = .array(list.map(JSONValue.init(foundation:)))
        case let dict as [String: Any]: self = .object(dict.mapValues(JSONValue.init(foundation:)))
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else {
                // Foundation keeps some decimals as NSDecimalNumber, whose doubleValue rounds
                // (0.9999999999999999 became 1): read its exact text instead.
                let d = number is NSDecimalNumber ? (Double(number.stringValue) ?? number.doubleValue) : number.doubleValue
                if d.isFinite, d.rounded() == d, abs(d) < 9.0e15 { self = .int(Int(d)) } else { self = .number(d) }
            }
        default: self = .null
        }
    }

    /// The value as `JSONSerialization` takes it.
    public var foundation: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return b
        case .int(let i): return i
        case .number(let d): return d
        case .string(let s): return s
        case .array(let list): return list.map(\.foundation)
        case .object(let dict): return dict.mapValues(\.foundation)
        }
    }

    /// Compact JSON with sorted keys.
    public func serialized(pretty: Bool = false) -> Data {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        // Only JSON-representable values are ever built, so this cannot fail.
        return (try? JSONSerialization.data(withJSONObject: foundation, options: options)) ?? Data("null".utf8)
    }

    /// The number as a Double, for `.int` and `.number`.
    public var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// Sets `value` at a JSON Pointer of plain keys (`/training/epochs`), making the objects on
    /// the way; a non-object on the way is replaced by one.
    public mutating func set(_ value: JSONValue, atPointer pointer: String) {
        set(value, at: pointer.split(separator: "/").map(String.init)[...])
    }

    private mutating func set(_ value: JSONValue, at keys: ArraySlice<String>) {
        guard let first = keys.first else { self = value; return }
        var object: [String: JSONValue] = [:]
        if case .object(let existing) = self { object = existing }
        var child = object[first] ?? .null
        child.set(value, at: keys.dropFirst())
        object[first] = child
        self = .object(object)
    }

    /// The member named `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let dict) = self { return dict[key] }
        return nil
    }

    /// How the value reads in an error message: `"rmsprop"`, `3`, `[1, 2]`, `null`.
    public var shortDescription: String {
        let text = String(decoding: serialized(), as: UTF8.self)
        return text.count <= 60 ? text : String(text.prefix(57)) + "..."
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
                     ExpressibleByDictionaryLiteral, ExpressibleByIntegerLiteral {
    /// `"text"` written where a `JSONValue` is expected.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `true` or `false` written where a `JSONValue` is expected.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `[...]` written where a `JSONValue` is expected.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// `["key": value]` written where a `JSONValue` is expected; keys must be unique.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(Dictionary(uniqueKeysWithValues: elements)) }
    /// An integer literal written where a `JSONValue` is expected.
    public init(integerLiteral value: Int) { self = .int(value) }
}
