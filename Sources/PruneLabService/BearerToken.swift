import HTTPServer

/// `PRUNELAB_TOKEN` checking for the requests that change things (POST, DELETE).
enum BearerToken {
    /// The 401 answer for `request`, or nil when it may proceed (no token configured, or the right one sent).
    static func refusal(of request: HTTPRequest, expected token: String?) -> HTTPResponse? {
        guard let token else { return nil }
        let header = request.headers["Authorization"]
        if let header, let sent = value(of: header), constantTimeEqual(sent, token) { return nil }
        let detail = header == nil
            ? "this server needs Authorization: Bearer <token> for \(request.method)"
            : "the Authorization header does not carry the right bearer token"
        return Problem("unauthorized", status: 401, title: "Unauthorized", detail: detail)
            .response(headers: ["WWW-Authenticate": "Bearer realm=\"prunelab\""])
    }

    /// `Bearer abc` -> `abc` (the scheme is case-insensitive); nil for other schemes.
    static func value(of header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// Compares without an early exit, so the time taken does not reveal how much of a guess was right.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
