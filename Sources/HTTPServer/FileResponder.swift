/// The response to one GET or HEAD of a file: conditionals (RFC 9110 section 13) and a single
/// byte range (section 14).
struct FileResponder {
    let file: FileSnapshot
    let contentType: String
    let request: HTTPRequest

    func response() -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set("ETag", file.etag)
        headers.set("Last-Modified", file.lastModified)
        headers.set("Cache-Control", "no-cache")
        headers.set("X-Content-Type-Options", "nosniff")
        if notModified() { return HTTPResponse(status: .notModified, headers: headers) }

        headers.set("Content-Type", contentType)
        headers.set("Accept-Ranges", "bytes")
        let size = file.bytes.count
        guard request.method == .get, let rangeHeader = request.headers["Range"], rangeStillValid() else {
            return HTTPResponse(status: .ok, headers: headers, body: .bytes(file.bytes))
        }
        switch ByteRange.parse(rangeHeader, size: size) {
        case .ignore:
            return HTTPResponse(status: .ok, headers: headers, body: .bytes(file.bytes))
        case .unsatisfiable:
            var response = HTTPResponse.problem(status: .rangeNotSatisfiable,
                                                detail: "range \(rangeHeader) is outside the \(size)-byte file")
            response.headers.set("Content-Range", "bytes */\(size)")
            return response
        case .range(let range):
            headers.set("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)")
            return HTTPResponse(status: .partialContent, headers: headers, body: .bytes(Array(file.bytes[range])))
        }
    }

    /// If-None-Match (weak comparison, lists, "*") wins over If-Modified-Since.
    private func notModified() -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        if let ifNoneMatch = request.headers["If-None-Match"] {
            let tags = ifNoneMatch.commaSeparatedElements()
            return tags.contains("*") || tags.contains { Self.opaque($0) == Self.opaque(file.etag) || Self.opaque($0) == Self.opaque(ContentCoding.gzipETag(file.etag)) }
        }
        if let since = request.headers["If-Modified-Since"].flatMap(HTTPDate.parse) {
            return file.modifiedSeconds <= since
        }
        return false
    }

    /// If-Range: the range applies only to the representation the client already has.
    private func rangeStillValid() -> Bool {
        guard let ifRange = request.headers["If-Range"] else { return true }
        if ifRange.hasPrefix("\"") { return ifRange == file.etag }
        if let date = HTTPDate.parse(ifRange) { return file.modifiedSeconds <= date }
        return false
    }

    private static func opaque(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }
}

/// One `bytes=` range (RFC 9110 section 14.1.2): `a-b`, `a-` or `-n`.
enum ByteRange: Equatable {
    /// Malformed, several ranges, or another unit: serve the whole file.
    case ignore
    case unsatisfiable
    case range(Range<Int>)

    static func parse(_ header: String, size: Int) -> ByteRange {
        let trimmed = header.trimmingOWS()
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .ignore }
        let spec = trimmed.dropFirst("bytes=".count).trimmingOWS()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .ignore }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        func number(_ text: Substring) -> Int? {
            guard !text.isEmpty, text.count <= 18, text.utf8.allSatisfy(isDigit) else { return nil }
            return Int(text)
        }
        if first.isEmpty {
            guard let suffix = number(last) else { return .ignore }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .range(max(0, size - suffix)..<size)
        }
        guard let start = number(first) else { return .ignore }
        var end = size - 1
        if !last.isEmpty {
            guard let requested = number(last), requested >= start else { return .ignore }
            end = min(requested, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .range(start..<(end + 1))
    }
}
