import Foundation

/// Minimal RFC 4180 CSV: fields holding a comma, a quote or a line break are quoted, quotes
/// inside doubled; lines end with "\n" when written, "\n" or "\r\n" are accepted when read.
enum CSV {
    /// A CSV text that does not parse, with the 1-based line where it went wrong.
    struct ParseError: Error, Equatable, CustomStringConvertible {
        var line: Int
        var detail: String
        var description: String { "line \(line): \(detail)" }
    }

    /// Renders records (the header is simply the first record) as CSV text.
    static func encode(_ records: [[String]]) -> String {
        var text = ""
        for record in records {
            text += record.map(quoteIfNeeded).joined(separator: ",")
            text += "\n"
        }
        return text
    }

    static func quoteIfNeeded(_ field: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character that equals neither "\r" nor "\n".
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Parses CSV text into records. A final line break is optional; blank lines are skipped.
    static func decode(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var line = 1
        var inQuotes = false
        var quoteLine = 0
        var fieldWasQuoted = false
        var chars = Array(text.unicodeScalars)[...]

        func endRecord() {
            record.append(field)
            if !(record.count == 1 && record[0].isEmpty && !fieldWasQuoted) { records.append(record) }
            record = []
            field = ""
            fieldWasQuoted = false
        }

        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { chars.removeFirst(); field.unicodeScalars.append("\"") } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                record.append(field)
                field = ""
                fieldWasQuoted = false
            case "\"":
                guard field.isEmpty && !fieldWasQuoted else {
                    throw ParseError(line: line, detail: "a quote inside an unquoted field (quote the whole field and double the quote)")
                }
                inQuotes = true
                quoteLine = line
                fieldWasQuoted = true
            case "\r":
                guard chars.first == "\n" else { throw ParseError(line: line, detail: "a carriage return not followed by a line feed") }
            case "\n":
                endRecord()
                line += 1
            default:
                guard !fieldWasQuoted else {
                    throw ParseError(line: line, detail: "text after the closing quote of a field")
                }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw ParseError(line: quoteLine, detail: "a quoted field opened here is not closed before the end of the text") }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }
}
