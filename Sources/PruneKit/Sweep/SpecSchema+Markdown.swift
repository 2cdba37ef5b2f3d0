import Foundation

extension SpecSchema {
    /// The README's spec table: one row per field, then the rules across fields. The README holds
    /// exactly this text between its `spec-table` markers (a test checks it); regenerate it with
    /// `prunelab schema --markdown`.
    public static var markdownTable: String {
        var lines = ["| field | default | allowed | meaning |", "|---|---|---|---|"]
        for field in fields {
            let name = String(field.pointer.dropFirst()).replacingOccurrences(of: "/", with: ".")
            var allowed = SpecTypeText.readme(field.type)
            if field.nullable { allowed += "; or null" }
            if let condition = field.onlyWhen { allowed += "; only when `\(condition.pointer)` is " + condition.values.map { "`\($0)`" }.joined(separator: " or ") }
            if let condition = field.requiredWhen { allowed += "; required then" + (condition == field.onlyWhen ? "" : " when `\(condition.pointer)` is \(condition.values.joined(separator: " or "))") }
            lines.append("| `\(name)` | \(readmeDefault(field)) | \(allowed) | \(field.doc) |")
        }
        var text = lines.joined(separator: "\n") + "\n"
        if !rules.isEmpty {
            text += "\nRules across fields:\n" + rules.map { "- \($0.doc)" }.joined(separator: "\n") + "\n"
        }
        return text
    }

    static func readmeDefault(_ field: SpecField) -> String {
        let value = field.defaultValue
        if value == .null { return "none" }
        return "`" + String(decoding: value.serialized(), as: UTF8.self).replacingOccurrences(of: ",", with: ", ") + "`"
    }
}

extension SpecTypeText {
    /// The type in the README's words.
    static func readme(_ type: SpecType) -> String {
        switch type {
        case .integer(let r): return "integer \(r.lowerBound) – \(r.upperBound)"
        case .number(let b): return "number, \(b.symbols)"
        case .boolean: return "boolean"
        case .string(let length): return "string of \(length.lowerBound) – \(length.upperBound) characters"
        case .choice(let values): return values.map { "`\($0)`" }.joined(separator: ", ")
        case .choiceOrInteger(let values, let r): return values.map { "`\($0)`" }.joined(separator: ", ") + " or integer \(r.lowerBound) – \(r.upperBound)"
        case .integerList(let count, let items): return "list of \(count.lowerBound) – \(count.upperBound) integers, each \(items.lowerBound) – \(items.upperBound)"
        case .distinctNumberList(let count, let items): return "list of \(count.lowerBound) – \(count.upperBound) distinct numbers, each \(items.symbols)"
        case .distinctStringList(let count, let length):
            return "list of \(count.lowerBound) – \(count.upperBound) distinct strings of \(length.lowerBound) – \(length.upperBound) characters"
        case .distinctChoiceList(let count, let values):
            return "list of \(count.lowerBound) – \(count.upperBound) distinct values of " + values.map { "`\($0)`" }.joined(separator: ", ")
        }
    }
}
