import Foundation

/// JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it) of the sweep spec, generated from
/// `SpecSchema`: what a client may send (`input`), and the resolved spec the API returns (`resolved`).
public enum SpecJSONSchema {
    /// The schema of a submitted spec: every field optional, unknown fields refused, null only
    /// where it means something, and the cross-field conditions as `anyOf`s, so that a valid
    /// document is exactly one the parser accepts.
    public static var input: JSONValue { object(at: "", resolved: false) }

    /// The schema of a resolved spec as the API shows it: every field present except the
    /// optional ones that are unset.
    public static var resolved: JSONValue { object(at: "", resolved: true) }

    /// The fields as a flat list, for the web page's form: pointer, type, default, limits, doc.
    public static var flatFields: JSONValue {
        .array(SpecSchema.fields.map { field in
            var entry = fieldSchema(field, resolved: false)
            entry["pointer"] = .string(field.pointer)
            return .object(entry)
        })
    }

    static func object(at pointer: String, resolved: Bool) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        var required: [String] = []
        var conditions: [JSONValue] = []
        for key in SpecSchema.keys(of: pointer) {
            let child = pointer + "/" + key
            if let field = SpecSchema.field(child) {
                properties[key] = .object(fieldSchema(field, resolved: resolved))
                if resolved, field.defaultValue != .null { required.append(key) }   // unset optionals are left out
            } else {
                properties[key] = object(at: child, resolved: resolved)
                if resolved { required.append(key) }
            }
        }
        if !resolved {
            // Conditions sit on the object holding the field they depend on, which holds the
            // conditional field too (directly or further down).
            conditions += SpecSchema.fields.flatMap { self.conditions(of: $0) }.filter { $0.at == pointer }.map(\.schema)
            conditions += SpecSchema.rules.filter { $0.objectPointer == pointer }.map(\.jsonSchema)
        }
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !resolved { schema["additionalProperties"] = false }
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        if !conditions.isEmpty { schema["allOf"] = .array(conditions) }
        if pointer.isEmpty {
            schema["description"] = resolved
                ? "The resolved spec: every field present (optional ones only when set)."
                : "Every field is optional; missing ones take the reference experiment's values. Unknown fields are refused, and null only where a field says so."
        }
        return .object(schema)
    }

    static func fieldSchema(_ field: SpecField, resolved: Bool) -> [String: JSONValue] {
        var schema = typeSchema(field.type)
        if field.nullable && !resolved {
            if case .array(let types)? = schema["type"] {
                schema["type"] = .array(types + ["null"])
            } else if case .string(let type)? = schema["type"] {
                schema["type"] = .array([.string(type), "null"])
            } else if case .array(let options)? = schema["anyOf"] {
                schema["anyOf"] = .array(options + [.object(["type": "null"])])
            }
            if case .array(let values)? = schema["enum"] { schema["enum"] = .array(values + [.null]) }
        }
        schema["description"] = .string(field.doc)
        // A field without a default (a path) has none in the schema either.
        if !resolved, field.defaultValue != .null || field.nullable { schema["default"] = field.defaultValue }
        return schema
    }

    static func typeSchema(_ type: SpecType) -> [String: JSONValue] {
        switch type {
        case .integer(let range):
            return ["type": "integer", "minimum": .int(range.lowerBound), "maximum": .int(range.upperBound)]
        case .number(let bounds):
            return numberSchema(bounds)
        case .boolean:
            return ["type": "boolean"]
        case .string(let length):
            return ["type": "string", "minLength": .int(length.lowerBound), "maxLength": .int(length.upperBound)]
        case .choice(let values):
            return ["type": "string", "enum": .array(values.map { .string($0) })]
        case .choiceOrInteger(let values, let range):
            return ["anyOf": [.object(["type": "string", "enum": .array(values.map { .string($0) })]),
                              .object(typeSchema(.integer(range)))]]
        case .distinctStringList(let count, let length):
            return ["type": "array", "minItems": .int(count.lowerBound), "maxItems": .int(count.upperBound),
                    "uniqueItems": true, "items": .object(typeSchema(.string(length: length)))]
        case .integerList(let count, let items):
            return ["type": "array", "minItems": .int(count.lowerBound), "maxItems": .int(count.upperBound),
                    "items": .object(typeSchema(.integer(items)))]
        case .distinctNumberList(let count, let items):
            return ["type": "array", "minItems": .int(count.lowerBound), "maxItems": .int(count.upperBound),
                    "uniqueItems": true, "items": .object(numberSchema(items))]
        case .distinctChoiceList(let count, let values):
            return ["type": "array", "minItems": .int(count.lowerBound), "maxItems": .int(count.upperBound),
                    "uniqueItems": true, "items": .object(typeSchema(.choice(values)))]
        }
    }

    static func numberSchema(_ bounds: NumberBounds) -> [String: JSONValue] {
        var schema: [String: JSONValue] = ["type": "number"]
        schema[bounds.minimumIncluded ? "minimum" : "exclusiveMinimum"] = .number(bounds.minimum)
        schema[bounds.maximumIncluded ? "maximum" : "exclusiveMaximum"] = .number(bounds.maximum)
        return schema
    }

    /// `onlyWhen` and `requiredWhen` of a field, as conditions on the object that holds the
    /// condition's field (`at`).
    static func conditions(of field: SpecField) -> [(at: String, schema: JSONValue)] {
        var result: [(at: String, schema: JSONValue)] = []
        if let condition = field.onlyWhen {
            let (at, keys) = relativeKeys(of: field.pointer, below: condition)
            // Either the condition holds, or the field is absent, at its default (as resolved specs
            // show it), or null where null is allowed.
            let key = keys.last!
            var absentOptions: [JSONValue] = [.object(["not": .object(["required": [.string(key)]])]),
                                              .object(["properties": .object([key: .object(["const": field.defaultValue])])])]
            if field.nullable { absentOptions.append(.object(["properties": .object([key: .object(["type": "null"])])])) }
            let absent: JSONValue = .object(["anyOf": .array(absentOptions)])
            result.append((at, .object(["anyOf": [holds(condition), nest(keys.dropLast(), absent, requiring: false)]])))
        }
        if let condition = field.requiredWhen {
            let (at, keys) = relativeKeys(of: field.pointer, below: condition)
            let present: JSONValue = .object(["required": [.string(keys.last!)],
                                              "properties": .object([keys.last!: .object(["not": .object(["type": "null"])])])])
            result.append((at, .object(["anyOf": [.object(["not": holds(condition)]), nest(keys.dropLast(), present, requiring: true)]])))
        }
        return result
    }

    /// The object holding the condition's field, and the keys from it down to `pointer`.
    static func relativeKeys(of pointer: String, below condition: SpecCondition) -> (String, [String]) {
        let at = String(condition.pointer[..<(condition.pointer.lastIndex(of: "/") ?? condition.pointer.startIndex)])
        let rest = pointer.dropFirst(at.count).split(separator: "/").map(String.init)
        return (at, rest)
    }

    /// `schema` applied to the object reached through `keys` (which must exist when `requiring`).
    static func nest(_ keys: ArraySlice<String>, _ schema: JSONValue, requiring: Bool) -> JSONValue {
        guard let first = keys.first else { return schema }
        var wrapper: [String: JSONValue] = ["properties": .object([first: nest(keys.dropFirst(), schema, requiring: requiring)])]
        if requiring { wrapper["required"] = [.string(first)] }
        return .object(wrapper)
    }

    /// A schema that holds when the condition's field, resolved (its value, else an implied
    /// value, else its default), is one of the condition's values; on the object holding it.
    static func holds(_ condition: SpecCondition) -> JSONValue {
        guard let subject = SpecSchema.field(condition.pointer) else { return true }
        let key = subject.key
        let values = condition.values.map { JSONValue.string($0) }
        var options: [JSONValue] = [.object(["required": [.string(key)], "properties": .object([key: .object(["enum": .array(values)])])])]
        let implications = SpecSchema.implications.filter { $0.sets == condition.pointer }
        let notGiven = { (k: String) -> JSONValue in .object(["not": .object(["required": [.string(k)]])]) }
        for implication in implications where values.contains(implication.to) {
            let givenKey = String(implication.given.split(separator: "/").last ?? "")
            options.append(.object(["allOf": [notGiven(key), .object(["required": [.string(givenKey)]])]]))
        }
        if values.contains(subject.defaultValue) {
            let givenKeys = implications.map { String($0.given.split(separator: "/").last ?? "") }
            options.append(.object(["allOf": .array([notGiven(key)] + givenKeys.map(notGiven))]))
        }
        return .object(["anyOf": .array(options)])
    }
}
