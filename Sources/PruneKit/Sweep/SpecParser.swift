import Foundation

/// One thing wrong with a submitted spec: where (a JSON Pointer, RFC 6901) and what.
public struct SpecFieldError: Error, Equatable, Sendable, Codable {
    /// JSON Pointer (RFC 6901) of the offending field; "" for the whole document.
    public var pointer: String
    /// What is wrong and what is allowed, in words.
    public var detail: String

    /// An error at `pointer` saying `detail`.
    public init(pointer: String, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }
}

/// Every problem found in a submitted spec, not just the first.
public struct SpecValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Every problem found, in the order the parser met them.
    public var errors: [SpecFieldError]

    /// An error collecting the problems found.
    public init(errors: [SpecFieldError]) { self.errors = errors }

    /// One "pointer: detail" line per problem, "/" for the whole document.
    public var description: String {
        errors.map { "\($0.pointer.isEmpty ? "/" : $0.pointer): \($0.detail)" }.joined(separator: "\n")
    }
}

extension SweepSpec {
    /// Parses and validates a user-submitted spec (a JSON object) against `SpecSchema`. Missing
    /// fields take the reference experiment's defaults. Throws `SpecValidationError` naming every
    /// bad field. Limits that depend on the data (the parameter count) are `limitErrors(for:)`.
    public static func parse(_ json: Data) throws -> SweepSpec {
        let value: JSONValue
        do {
            value = try JSONValue.parse(json)
        } catch {
            throw SpecValidationError(errors: [SpecFieldError(pointer: "", detail: "not valid JSON: \(error.localizedDescription)")])
        }
        return try parse(value)
    }

    /// Validates an already-parsed JSON value, as `parse(_: Data)` does after decoding.
    public static func parse(_ value: JSONValue) throws -> SweepSpec {
        var parser = SpecParser()
        let spec = parser.parse(value)
        if !parser.errors.isEmpty { throw SpecValidationError(errors: parser.errors) }
        return spec
    }
}

/// Walks a JSON value along the schema, collecting every error with its pointer.
struct SpecParser {
    var errors: [SpecFieldError] = []

    mutating func fail(_ pointer: String, _ detail: String) {
        errors.append(SpecFieldError(pointer: pointer, detail: detail))
    }

    mutating func parse(_ root: JSONValue) -> SweepSpec {
        var spec = SweepSpec()
        var given: [String: JSONValue] = [:]
        collect(root, at: "", into: &given)

        for field in SpecSchema.fields {
            guard let value = given[field.pointer] else { continue }
            if value == .null {
                if field.nullable { field.write(&spec, .null) } else {
                    fail(field.pointer, "must be \(SpecTypeText.expected(field.type)), got null; leave the field out for the default, \(field.defaultValue.shortDescription)")
                }
                continue
            }
            if let checked = check(value, as: field.type, at: field.pointer) { field.write(&spec, checked) }
        }
        for implication in SpecSchema.implications where given[implication.given] != nil && given[implication.sets] == nil {
            SpecSchema.field(implication.sets)?.write(&spec, implication.to)
        }
        for field in SpecSchema.fields {
            let present = given[field.pointer].map { $0 != .null } ?? false
            // Outside its condition a field may still stand at its default, as resolved specs
            // (spec.json, GET /jobs/{id}) show every field: such a spec can be sent again as it is.
            if let condition = field.onlyWhen, present, !holds(condition, in: spec), field.read(spec) != field.defaultValue {
                fail(field.pointer, "is only allowed when \(condition.text) (elsewhere leave it out, or at its default, \(field.defaultValue.shortDescription))")
            }
            if let condition = field.requiredWhen, !present, holds(condition, in: spec) {
                fail(field.pointer, "is required when \(condition.text): \(field.doc)")
            }
        }
        if errors.isEmpty {
            for rule in SpecSchema.rules {
                if let problem = rule.problem(spec) { fail(rule.pointers[0], problem) }
            }
        }
        return spec
    }

    func holds(_ condition: SpecCondition, in spec: SweepSpec) -> Bool {
        guard let field = SpecSchema.field(condition.pointer), case .string(let value) = field.read(spec) else { return false }
        return condition.values.contains(value)
    }

    /// Checks objects along the way (unknown keys, non-objects) and gathers field values by pointer.
    mutating func collect(_ value: JSONValue, at pointer: String, into given: inout [String: JSONValue]) {
        let keys = SpecSchema.keys(of: pointer)
        guard case .object(let dict) = value else {
            fail(pointer, "must be an object with fields \(keys.joined(separator: ", ")), got \(value.shortDescription)")
            return
        }
        for key in dict.keys.sorted() {
            let child = pointer + "/" + jsonPointerEscape(key)
            guard keys.contains(key) else {
                fail(child, "unknown field; allowed fields are \(keys.joined(separator: ", "))")
                continue
            }
            if SpecSchema.field(child) != nil {
                given[child] = dict[key]
            } else if let inner = dict[key] {
                collect(inner, at: child, into: &given)
            }
        }
    }

    /// The value if it fits the type; otherwise records why and returns nil.
    mutating func check(_ value: JSONValue, as type: SpecType, at pointer: String) -> JSONValue? {
        switch type {
        case .integer(let range):
            guard case .int(let i) = value else { fail(pointer, "must be an integer from \(range.lowerBound) to \(range.upperBound)"); return nil }
            guard range.contains(i) else { fail(pointer, "must be from \(range.lowerBound) to \(range.upperBound), got \(i)"); return nil }
            return value
        case .number(let bounds):
            guard let d = value.numberValue else { fail(pointer, "must be a number \(bounds.text)"); return nil }
            guard bounds.contains(d) else { fail(pointer, "must be \(bounds.text), got \(formatNumber(d))"); return nil }
            return value
        case .boolean:
            guard case .bool = value else { fail(pointer, "must be true or false"); return nil }
            return value
        case .string(let length):
            guard case .string(let text) = value else { fail(pointer, "must be a string"); return nil }
            // Counted in Unicode scalars, as JSON Schema's minLength and maxLength count.
            guard length.contains(text.unicodeScalars.count) else {
                fail(pointer, "must be \(length.lowerBound) to \(length.upperBound) characters, got \(text.unicodeScalars.count)")
                return nil
            }
            return value
        case .choice(let values):
            guard case .string(let text) = value, values.contains(text) else {
                fail(pointer, "must be one of \(values.joined(separator: ", ")), got \(value.shortDescription)")
                return nil
            }
            return value
        case .choiceOrInteger(let values, let range):
            if case .string(let text) = value, values.contains(text) { return value }
            if case .int(let i) = value, range.contains(i) { return value }
            fail(pointer, "must be \(values.map { "\"\($0)\"" }.joined(separator: " or ")) or an integer from \(range.lowerBound) to \(range.upperBound), got \(value.shortDescription)")
            return nil
        case .integerList(let count, let items):
            return list(value, as: type, count: count, at: pointer, distinct: false) { item in
                if case .int(let n) = item, items.contains(n) { return nil }
                return "must be an integer from \(items.lowerBound) to \(items.upperBound)"
            }
        case .distinctNumberList(let count, let items):
            return list(value, as: type, count: count, at: pointer, distinct: true) { item in
                if let d = item.numberValue, items.contains(d) { return nil }
                return "must be a number \(items.text)"
            }
        case .distinctStringList(let count, let length):
            return list(value, as: type, count: count, at: pointer, distinct: true) { item in
                if case .string(let text) = item, length.contains(text.unicodeScalars.count) { return nil }
                return "must be a string of \(length.lowerBound) to \(length.upperBound) characters"
            }
        case .distinctChoiceList(let count, let values):
            return list(value, as: type, count: count, at: pointer, distinct: true) { item in
                if case .string(let text) = item, values.contains(text) { return nil }
                return "must be one of \(values.joined(separator: ", "))"
            }
        }
    }

    /// A list of `count` items, each checked by `itemError` (nil when the item is fine) and, when
    /// `distinct`, none listed twice (1 and 1.0 are the same number). Every bad item is named.
    mutating func list(_ value: JSONValue, as type: SpecType, count: ClosedRange<Int>, at pointer: String,
                       distinct: Bool, itemError: (JSONValue) -> String?) -> JSONValue? {
        guard case .array(let items) = value, count.contains(items.count) else {
            fail(pointer, "must be \(SpecTypeText.expected(type))")
            return nil
        }
        var seen: [JSONValue] = []
        var ok = true
        for (i, item) in items.enumerated() {
            if let error = itemError(item) {
                fail("\(pointer)/\(i)", error)
                ok = false
                continue
            }
            guard distinct else { continue }
            let key = item.numberValue.map(JSONValue.number) ?? item
            if seen.contains(key) {
                fail("\(pointer)/\(i)", "\(item.shortDescription) is listed twice")
                ok = false
            } else {
                seen.append(key)
            }
        }
        return ok ? value : nil
    }
}

/// How each type reads in messages and in the README.
enum SpecTypeText {
    static func expected(_ type: SpecType) -> String {
        switch type {
        case .integer(let r): return "an integer from \(r.lowerBound) to \(r.upperBound)"
        case .number(let b): return "a number \(b.text)"
        case .boolean: return "true or false"
        case .string(let length): return "a string of \(length.lowerBound) to \(length.upperBound) characters"
        case .choice(let values): return "one of \(values.joined(separator: ", "))"
        case .choiceOrInteger(let values, let r):
            return values.map { "\"\($0)\"" }.joined(separator: " or ") + " or an integer from \(r.lowerBound) to \(r.upperBound)"
        case .integerList(let count, let items):
            return "a list of \(count.lowerBound) to \(count.upperBound) integers, each from \(items.lowerBound) to \(items.upperBound)"
        case .distinctNumberList(let count, let items):
            return "a list of \(count.lowerBound) to \(count.upperBound) distinct numbers, each \(items.text)"
        case .distinctStringList(let count, let length):
            return "a list of \(count.lowerBound) to \(count.upperBound) distinct strings, each of \(length.lowerBound) to \(length.upperBound) characters"
        case .distinctChoiceList(let count, let values):
            return "a list of \(count.lowerBound) to \(count.upperBound) distinct values from \(values.joined(separator: ", "))"
        }
    }
}

/// RFC 6901 escaping of a key inside a JSON Pointer.
func jsonPointerEscape(_ key: String) -> String {
    key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}
