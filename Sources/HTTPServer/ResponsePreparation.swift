/// What the server must know of a request to finish its response.
struct ExchangeContext {
    /// Nil for a request that could not be read.
    var method: HTTPMethod?
    var path: String
    var minorVersion: Int
    var keepAlive: Bool
    var acceptEncoding: String?
    var hasRange: Bool
    var remoteAddress: String
    var started: UInt64

    var isHead: Bool { method == .head }
}

/// A response ready for the wire: its head and what follows it.
struct PreparedResponse {
    enum Payload {
        case bytes([UInt8])
        /// Chunked (HTTP/1.1) or close-delimited (HTTP/1.0) stream.
        case stream(@Sendable (ResponseStream) -> Void, chunked: Bool)
    }
    var status: HTTPStatus
    var head: [UInt8]
    /// Nothing to send after the head for HEAD requests and bodiless statuses.
    var payload: Payload?
    var keepAlive: Bool
}

/// The rules every response goes through, whatever the handler set: framing headers, Date,
/// persistence, gzip and HEAD.
struct ResponsePreparer {
    let dateCache: DateHeaderCache
    let gzipCache: GzipCache

    func prepare(_ response: HTTPResponse, for context: ExchangeContext, mustClose: Bool) -> PreparedResponse {
        // One pass: the handler's safe fields except those the server owns (framing, Date).
        var headers = HTTPHeaders()
        var handlerWantsClose = false
        for (name, value) in response.headers where Self.isSafe(name: name, value: value) {
            if HTTPHeaders.namesMatch(name, "Connection") {
                if value.commaSeparatedElements().contains(where: { $0.lowercased() == "close" }) { handlerWantsClose = true }
            } else if !Self.serverOwnedFields.contains(where: { HTTPHeaders.namesMatch(name, $0) }) {
                headers.add(name, value)
            }
        }
        headers.add("Date", dateCache.current())

        var payload: PreparedResponse.Payload?
        var keepAlive = context.keepAlive && !mustClose && !handlerWantsClose
        if response.status.forbidsBody {
            payload = nil
        } else {
            switch response.body {
            case .bytes(var body):
                encode(&body, headers: &headers, status: response.status, context: context)
                headers.add("Content-Length", String(body.count))
                payload = .bytes(body)
            case .stream(let produce):
                if context.minorVersion >= 1 {
                    headers.add("Transfer-Encoding", "chunked")
                } else {
                    keepAlive = false   // HTTP/1.0 has no chunking: the close ends the body.
                }
                payload = .stream(produce, chunked: context.minorVersion >= 1)
            }
        }
        if !keepAlive {
            headers.add("Connection", "close")
        } else if context.minorVersion == 0 {
            headers.add("Connection", "keep-alive")
        }
        if context.isHead { payload = nil }
        return PreparedResponse(status: response.status, head: Self.serializeHead(status: response.status, headers: headers),
                                payload: payload, keepAlive: keepAlive)
    }

    /// gzip for textual bodies over 1 KB when the client accepts it; never for ranges.
    private func encode(_ body: inout [UInt8], headers: inout HTTPHeaders, status: HTTPStatus, context: ExchangeContext) {
        guard status == .ok, body.count >= ContentCoding.minimumSize, headers["Content-Encoding"] == nil,
              headers["Content-Range"] == nil, !context.hasRange,
              let contentType = headers["Content-Type"], ContentCoding.isCompressible(contentType: contentType) else { return }
        let vary = headers.values("Vary").flatMap { $0.commaSeparatedElements() }
        if !vary.contains(where: { $0.lowercased() == "accept-encoding" || $0 == "*" }) {
            headers.set("Vary", (vary + ["Accept-Encoding"]).joined(separator: ", "))
        }
        guard ContentCoding.acceptsGzip(context.acceptEncoding) else { return }
        let etag = headers["ETag"]
        guard let compressed = gzipCache.compressed(body, etag: etag) else { return }
        body = compressed
        headers.set("Content-Encoding", "gzip")
        if let etag { headers.set("ETag", ContentCoding.gzipETag(etag)) }
    }

    /// Fields the server sets itself, whatever the handler said (Connection is read first).
    private static let serverOwnedFields = ["Content-Length", "Transfer-Encoding", "Date", "Keep-Alive"]

    /// A field a handler set that could split the response (CR, LF, NUL) is dropped, never sent.
    private static func isSafe(name: String, value: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte) && value.utf8.allSatisfy(isFieldValueByte)
    }

    static func serializeHead(status: HTTPStatus, headers: HTTPHeaders) -> [UInt8] {
        var head: [UInt8] = []
        head.reserveCapacity(64 + headers.fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        head.append(contentsOf: "HTTP/1.1 ".utf8)
        head.append(contentsOf: String(status.code).utf8)
        head.append(UInt8(ascii: " "))
        head.append(contentsOf: status.reasonPhrase.utf8)
        head.append(contentsOf: [CR, LF])
        for (name, value) in headers {
            head.append(contentsOf: name.utf8)
            head.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            head.append(contentsOf: value.utf8)
            head.append(contentsOf: [CR, LF])
        }
        head.append(contentsOf: [CR, LF])
        return head
    }
}
