/// The parts of a request target (RFC 9112 section 3.2), still percent-encoded.
struct RequestTarget: Equatable {
    /// The path of origin-form, or of absolute-form with scheme and authority removed; "/" at least.
    var rawPath: String
    /// What followed the first "?", without it (nil when there was no "?").
    var rawQuery: String?

    init(_ target: String) {
        var rest = Substring(target)
        if rest.utf8.first != UInt8(ascii: "/"), let schemeEnd = rest.range(of: "://") {
            // absolute-form: drop "scheme://authority".
            rest = rest[schemeEnd.upperBound...]
            rest = rest.utf8.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }).map { rest[$0...] } ?? ""
        }
        // Searched as bytes: the parser admits only visible ASCII in a target (a Character search
        // also paid for grapheme breaking on every request).
        if let mark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
            rawPath = String(rest[..<mark])
            rawQuery = String(rest[rest.utf8.index(after: mark)...])
        } else {
            rawPath = String(rest)
            rawQuery = nil
        }
        if rawPath.utf8.first != UInt8(ascii: "/") { rawPath = "/" + rawPath }
    }

    /// The path decoded once, or nil when an escape is malformed.
    var decodedPath: String? { PercentDecoding.decode(rawPath) }

    /// `name=value` pairs split on "&", decoded once with "+" as space; nil when an escape is malformed.
    var decodedQuery: [(name: String, value: String)]? {
        guard let rawQuery else { return [] }
        var pairs: [(name: String, value: String)] = []
        for element in rawQuery.split(separator: "&") {
            let parts = element.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusAsSpace: true),
                  let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusAsSpace: true) else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }
}
