/// Why a request cannot be served: the status to answer with, and a detail for the client.
/// The connection always closes after one of these (its framing can no longer be trusted).
struct HTTPParseError: Error, Equatable {
    var status: HTTPStatus
    var detail: String
    init(_ status: HTTPStatus, _ detail: String) {
        self.status = status
        self.detail = detail
    }
}

/// How the length of a request body is known (RFC 9112 section 6).
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
}

/// A request line and header block that passed every framing rule.
struct RequestHead {
    var method: HTTPMethod
    var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x).
    var minorVersion: Int
    var headers: HTTPHeaders
    var framing: BodyFraming
    /// Whether the client allows the connection to stay open after this exchange.
    var keepAlive: Bool
    /// `Expect: 100-continue` on a request that has a body.
    var expectsContinue: Bool
}

struct ParsedRequest {
    var head: RequestHead
    /// The body held in memory (empty when it was spooled).
    var body: [UInt8]
    /// The size of a body that went to a spool file instead (`.bodyBytes` events), else nil.
    var spooledByteCount: Int? = nil
}

/// An incremental, strict HTTP/1.1 request parser (RFC 9112). Feed it bytes as they arrive; it
/// consumes whole requests from the buffer and leaves pipelined followers in place.
struct RequestParser {
    enum Event {
        /// More bytes are needed.
        case needMore
        /// The head asked for `100 Continue` and no body byte has arrived yet: send it now.
        case sendContinue
        case request(ParsedRequest)
        /// The head is complete and its route spools the body: open a file for it. `sendContinue`
        /// as above, when the client waits for `100 Continue`.
        case spoolBegins(RequestHead, SpoolPolicy, sendContinue: Bool)
        /// The next piece of a spooled body, in order (chunk framing removed).
        case bodyBytes([UInt8])
    }

    /// Where the body of the request being read goes.
    private enum BodyDestination {
        case memory
        case spool(SpoolPolicy)

        func limit(_ limits: ParserLimits) -> Int {
            switch self {
            case .memory: return limits.maxBody
            case .spool(let policy): return policy.maxBytes
            }
        }
    }

    /// Where the parser stands in the current request; the connection picks its timeout from this.
    enum Phase { case idle, head, body }

    private enum State {
        case head(scanned: Int, firstLineEnd: Int?)
        case fixedBody(RequestHead, remaining: Int)
        /// Every byte of a Content-Length body has been taken.
        case fixedBodyEnd(RequestHead)
        case chunkSize(RequestHead)
        case chunkData(RequestHead, remaining: Int)
        case chunkDataEnd(RequestHead)
        case trailers(RequestHead, fields: Int, bytes: Int)
        case failed(HTTPParseError)
    }

    let limits: ParserLimits
    /// Which routes spool their bodies; asked once per request head.
    let bodyHandling: BodyHandlingLookup
    private var state = State.head(scanned: 0, firstLineEnd: nil)
    private var body: [UInt8] = []
    private var destination = BodyDestination.memory
    /// Body bytes of the current request so far, wherever they went (the chunked limit counts them).
    private var bodyCount = 0

    init(limits: ParserLimits, bodyHandling: @escaping BodyHandlingLookup = { _, _ in .inMemory }) {
        self.limits = limits
        self.bodyHandling = bodyHandling
    }

    func phase(buffer: ByteBuffer) -> Phase {
        switch state {
        case .head: return buffer.isEmpty ? .idle : .head
        case .failed: return .idle
        default: return .body
        }
    }

    /// Consumes bytes of `buffer` and reports the next event. Throws on any framing error;
    /// after that the parser stays failed.
    mutating func parse(_ buffer: inout ByteBuffer) throws -> Event {
        do {
            return try step(&buffer)
        } catch let error as HTTPParseError {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step(_ buffer: inout ByteBuffer) throws -> Event {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .head(let scanned, let firstLineEnd):
                guard let head = try parseHead(&buffer, scanned: scanned, firstLineEnd: firstLineEnd) else {
                    return .needMore
                }
                // The route decides where the body goes, and so its limit, before a byte of it is read.
                switch head.framing == .none ? .inMemory : bodyHandling(head.method, head.target) {
                case .inMemory: destination = .memory
                case .spooled(let policy): destination = .spool(policy)
                }
                bodyCount = 0
                switch head.framing {
                case .none:
                    return finish(head)
                case .length(let length):
                    let limit = destination.limit(limits)
                    if length > limit { throw HTTPParseError(413, "request body larger than \(limit) bytes") }
                    state = .fixedBody(head, remaining: length)
                    if case .memory = destination { body.reserveCapacity(min(length, 64 * 1024)) }
                case .chunked:
                    state = .chunkSize(head)
                }
                let sendContinue = head.expectsContinue && buffer.isEmpty
                if case .spool(let policy) = destination { return .spoolBegins(head, policy, sendContinue: sendContinue) }
                if sendContinue { return .sendContinue }
            case .fixedBody(let head, let remaining):
                let count = min(remaining, buffer.readableCount)
                if count == 0 { return .needMore }
                let taken = take(count, from: &buffer)
                state = count == remaining ? .fixedBodyEnd(head) : .fixedBody(head, remaining: remaining - count)
                if let taken { return .bodyBytes(taken) }
            case .fixedBodyEnd(let head):
                return finish(head)
            case .chunkSize(let head):
                guard let line = try takeLine(&buffer, limit: limits.maxChunkLine, tooLong: HTTPParseError(400, "chunk size line too long")) else {
                    return .needMore
                }
                let limit = destination.limit(limits)
                let size = try Self.chunkSize(line, maxBody: limit)
                if size == 0 {
                    state = .trailers(head, fields: 0, bytes: 0)
                } else {
                    guard bodyCount + size <= limit else {
                        throw HTTPParseError(413, "request body larger than \(limit) bytes")
                    }
                    state = .chunkData(head, remaining: size)
                }
            case .chunkData(let head, let remaining):
                let count = min(remaining, buffer.readableCount)
                if count == 0 { return .needMore }
                let taken = take(count, from: &buffer)
                state = count == remaining ? .chunkDataEnd(head) : .chunkData(head, remaining: remaining - count)
                if let taken { return .bodyBytes(taken) }
            case .chunkDataEnd(let head):
                guard buffer.readableCount >= 2 else {
                    if buffer.byte(at: 0).map({ $0 != CR }) ?? false {
                        throw HTTPParseError(400, "chunk data not followed by CRLF")
                    }
                    return .needMore
                }
                guard buffer.byte(at: 0) == CR, buffer.byte(at: 1) == LF else {
                    throw HTTPParseError(400, "chunk data not followed by CRLF")
                }
                buffer.consume(2)
                state = .chunkSize(head)
            case .trailers(let head, let fields, let bytes):
                let remainingBytes = limits.maxHead - bytes
                let tooLarge = HTTPParseError(431, "trailer section larger than \(limits.maxHead) bytes")
                guard let line = try takeLine(&buffer, limit: remainingBytes, tooLong: tooLarge) else {
                    return .needMore
                }
                if line.isEmpty { return finish(head) }
                // Trailer fields are checked like header fields, then discarded: nothing in a
                // trailer may change how the request is understood.
                _ = try Self.field(line)
                guard fields + 1 <= limits.maxFields else {
                    throw HTTPParseError(431, "more than \(limits.maxFields) trailer fields")
                }
                state = .trailers(head, fields: fields + 1, bytes: bytes + line.count + 2)
            }
        }
    }

    /// Moves `count` body bytes out of `buffer`: into the body, or returned when spooled.
    private mutating func take(_ count: Int, from buffer: inout ByteBuffer) -> [UInt8]? {
        bodyCount += count
        defer { buffer.consume(count) }
        switch destination {
        case .memory:
            body.append(contentsOf: buffer.bytes(0..<count))
            return nil
        case .spool:
            return Array(buffer.bytes(0..<count))
        }
    }

    private mutating func finish(_ head: RequestHead) -> Event {
        var request = ParsedRequest(head: head, body: body)
        if case .spool = destination { request.spooledByteCount = bodyCount }
        body = []
        bodyCount = 0
        destination = .memory
        state = .head(scanned: 0, firstLineEnd: nil)
        return .request(request)
    }

    // MARK: Head

    /// Returns the head once its terminating empty line is buffered, consuming it.
    private mutating func parseHead(_ buffer: inout ByteBuffer, scanned: Int, firstLineEnd: Int?) throws -> RequestHead? {
        // RFC 9112 section 2.2: ignore empty lines before the request line (robustness for
        // clients that send an extra CRLF after a body).
        var scanned = scanned
        if scanned == 0 {
            while buffer.byte(at: 0) == CR, buffer.byte(at: 1) == LF { buffer.consume(2) }
            if buffer.byte(at: 0) == CR, buffer.readableCount == 1 { return nil }
        }
        var firstLineEnd = firstLineEnd
        var headEnd: Int?
        let available = buffer.readableCount
        while scanned < available {
            let byte = buffer.byte(at: scanned) ?? 0
            if byte == LF {
                guard scanned > 0, buffer.byte(at: scanned - 1) == CR else {
                    throw HTTPParseError(400, "bare LF in request head")
                }
                if firstLineEnd == nil { firstLineEnd = scanned - 1 }
                if scanned >= 3, buffer.byte(at: scanned - 2) == LF {
                    headEnd = scanned + 1
                    scanned += 1
                    break
                }
            }
            scanned += 1
        }
        let requestLineLength = firstLineEnd ?? scanned
        if requestLineLength > limits.maxRequestLine {
            throw HTTPParseError(414, "request line longer than \(limits.maxRequestLine) bytes")
        }
        if (headEnd ?? scanned) > limits.maxHead {
            throw HTTPParseError(431, "request head larger than \(limits.maxHead) bytes")
        }
        guard let end = headEnd, let lineEnd = firstLineEnd else {
            state = .head(scanned: scanned, firstLineEnd: firstLineEnd)
            return nil
        }
        let head = try Self.head(requestLine: buffer.bytes(0..<lineEnd),
                                 fieldBlock: buffer.bytes((lineEnd + 2)..<(end - 2)), limits: limits)
        buffer.consume(end)
        state = .head(scanned: 0, firstLineEnd: nil)
        return head
    }

    static func head(requestLine: ArraySlice<UInt8>, fieldBlock: ArraySlice<UInt8>, limits: ParserLimits) throws -> RequestHead {
        let parts = requestLine.split(separator: SP, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw HTTPParseError(400, "malformed request line") }
        let methodBytes = parts[0], targetBytes = parts[1], versionBytes = parts[2]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenByte) else {
            throw HTTPParseError(400, "malformed method")
        }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPParseError(400, "malformed request target")
        }
        let minorVersion = try version(versionBytes)
        let method = HTTPMethod(String(decoding: methodBytes, as: UTF8.self))
        let target = String(decoding: targetBytes, as: UTF8.self)
        guard target.hasPrefix("/") || (target == "*" && method == .options) || isAbsoluteForm(target) else {
            throw HTTPParseError(400, "request target must be a path or an absolute URI")
        }

        var headers = HTTPHeaders()
        var fieldCount = 0
        var lineStart = fieldBlock.startIndex
        while lineStart < fieldBlock.endIndex {
            var lineEnd = lineStart
            while lineEnd < fieldBlock.endIndex && fieldBlock[lineEnd] != CR { lineEnd += 1 }
            guard lineEnd + 1 < fieldBlock.endIndex, fieldBlock[lineEnd + 1] == LF else {
                throw HTTPParseError(400, "bare CR in header")
            }
            fieldCount += 1
            guard fieldCount <= limits.maxFields else {
                throw HTTPParseError(431, "more than \(limits.maxFields) header fields")
            }
            let (name, value) = try field(fieldBlock[lineStart..<lineEnd])
            headers.add(name, value)
            lineStart = lineEnd + 2
        }
        return try semantics(method: method, target: target, minorVersion: minorVersion, headers: headers, limits: limits)
    }

    private static func version(_ bytes: ArraySlice<UInt8>) throws -> Int {
        let b = Array(bytes)
        guard b.count == 8, b[0...4].elementsEqual("HTTP/".utf8), isDigit(b[5]), b[6] == UInt8(ascii: "."), isDigit(b[7]) else {
            throw HTTPParseError(400, "malformed HTTP version")
        }
        guard b[5] == UInt8(ascii: "1") else { throw HTTPParseError(505, "only HTTP/1.x is supported") }
        return b[7] == UInt8(ascii: "0") ? 0 : 1
    }

    private static func isAbsoluteForm(_ target: String) -> Bool {
        let lower = target.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// One `name: value` line. Whitespace before the colon and obs-fold are refused (RFC 9112 5.1, 5.2).
    static func field(_ line: ArraySlice<UInt8>) throws -> (String, String) {
        guard let first = line.first else { throw HTTPParseError(400, "empty header line") }
        if first == SP || first == HTAB { throw HTTPParseError(400, "obsolete line folding in header") }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw HTTPParseError(400, "header line without colon")
        }
        let nameBytes = line[line.startIndex..<colon]
        guard !nameBytes.isEmpty else { throw HTTPParseError(400, "empty header name") }
        guard nameBytes.allSatisfy(isTokenByte) else {
            let hasSpace = nameBytes.last == SP || nameBytes.last == HTAB
            throw HTTPParseError(400, hasSpace ? "whitespace before colon in header" : "invalid header name")
        }
        var valueStart = colon + 1, valueEnd = line.endIndex
        while valueStart < valueEnd && (line[valueStart] == SP || line[valueStart] == HTAB) { valueStart += 1 }
        while valueEnd > valueStart && (line[valueEnd - 1] == SP || line[valueEnd - 1] == HTAB) { valueEnd -= 1 }
        let valueBytes = line[valueStart..<valueEnd]
        guard valueBytes.allSatisfy(isFieldValueByte) else {
            throw HTTPParseError(400, "invalid character in header \(String(decoding: nameBytes, as: UTF8.self))")
        }
        return (String(decoding: nameBytes, as: UTF8.self), String(decoding: valueBytes, as: UTF8.self))
    }

    /// Host, framing (RFC 9112 section 6.3), persistence and expectations.
    private static func semantics(method: HTTPMethod, target: String, minorVersion: Int, headers: HTTPHeaders,
                                  limits: ParserLimits) throws -> RequestHead {
        let hosts = headers.values("Host")
        if hosts.count > 1 { throw HTTPParseError(400, "more than one Host header") }
        if minorVersion >= 1 && hosts.isEmpty { throw HTTPParseError(400, "HTTP/1.1 request without Host header") }
        if let host = hosts.first, host.contains(where: { $0 == " " || $0 == "/" || $0 == "\t" || $0 == "@" }) {
            throw HTTPParseError(400, "malformed Host header")
        }

        let transferEncodings = headers.values("Transfer-Encoding")
        let contentLengths = headers.values("Content-Length")
        var framing = BodyFraming.none
        if !transferEncodings.isEmpty {
            if !contentLengths.isEmpty { throw HTTPParseError(400, "both Transfer-Encoding and Content-Length") }
            if minorVersion == 0 { throw HTTPParseError(400, "Transfer-Encoding in an HTTP/1.0 request") }
            let codings = transferEncodings.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { $0.trimmingOWS().lowercased() }
            if codings.contains(where: \.isEmpty) { throw HTTPParseError(400, "empty transfer coding") }
            let chunkedCount = codings.filter { $0 == "chunked" }.count
            if chunkedCount > 1 || (chunkedCount == 1 && codings.last != "chunked") {
                throw HTTPParseError(400, "chunked must be the final transfer coding, once")
            }
            if codings != ["chunked"] {
                let others = codings.filter { $0 != "chunked" }.joined(separator: ", ")
                throw HTTPParseError(501, "transfer coding not implemented: \(others)")
            }
            framing = .chunked
        } else if !contentLengths.isEmpty {
            guard contentLengths.count == 1, let length = decimal(contentLengths[0]) else {
                throw HTTPParseError(400, "invalid Content-Length")
            }
            framing = length > 0 ? .length(length) : .none
        }

        let connection = headers.values("Connection").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingOWS().lowercased() }
        let keepAlive = connection.contains("close") ? false
            : minorVersion >= 1 ? true : connection.contains("keep-alive")

        var expectsContinue = false
        if minorVersion >= 1, let expect = headers["Expect"] {
            guard expect.lowercased() == "100-continue" else {
                throw HTTPParseError(417, "unsupported expectation: \(expect)")
            }
            expectsContinue = framing != .none
        }
        return RequestHead(method: method, target: target, minorVersion: minorVersion, headers: headers,
                           framing: framing, keepAlive: keepAlive, expectsContinue: expectsContinue)
    }

    /// 1*DIGIT without sign or spaces, or nil (also on overflow).
    private static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy(isDigit) else { return nil }
        return Int(text)
    }

    // MARK: Chunks

    /// Takes one CRLF-terminated line (without the CRLF), or nil if it has not arrived.
    private func takeLine(_ buffer: inout ByteBuffer, limit: Int, tooLong: HTTPParseError) throws -> ArraySlice<UInt8>? {
        var index = 0
        let available = buffer.readableCount
        while index < available {
            let byte = buffer.byte(at: index) ?? 0
            if byte == LF {
                guard index > 0, buffer.byte(at: index - 1) == CR else { throw HTTPParseError(400, "bare LF") }
                let line = buffer.bytes(0..<(index - 1))
                buffer.consume(index + 1)
                return line
            }
            if index >= limit { throw tooLong }
            index += 1
        }
        if available > limit { throw tooLong }
        return nil
    }

    /// `chunk-size [chunk-ext]`: strict hexadecimal, no sign, no prefix, no leading space.
    static func chunkSize(_ line: ArraySlice<UInt8>, maxBody: Int) throws -> Int {
        var size = 0, index = line.startIndex
        while index < line.endIndex, let digit = hexValue(line[index]) {
            size = size * 16 + digit
            guard size <= maxBody else { throw HTTPParseError(413, "chunk larger than the \(maxBody)-byte body limit") }
            index += 1
        }
        guard index > line.startIndex else { throw HTTPParseError(400, "invalid chunk size") }
        let extensions = line[index...]
        if let first = extensions.firstIndex(where: { $0 != SP && $0 != HTAB }) {
            guard extensions[first] == UInt8(ascii: ";"), extensions.allSatisfy(isFieldValueByte) else {
                throw HTTPParseError(400, "invalid chunk size")
            }
        } else if !extensions.isEmpty {
            throw HTTPParseError(400, "invalid chunk size")
        }
        return size
    }
}

let CR: UInt8 = 13, LF: UInt8 = 10, SP: UInt8 = 32, HTAB: UInt8 = 9

@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

@inline(__always) func hexValue(_ byte: UInt8) -> Int? {
    switch byte {
    case 0x30...0x39: return Int(byte - 0x30)
    case 0x41...0x46: return Int(byte - 0x41 + 10)
    case 0x61...0x66: return Int(byte - 0x61 + 10)
    default: return nil
    }
}

/// tchar of RFC 9110 section 5.6.2.
@inline(__always) func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default: return false
    }
}

/// field-vchar, SP, HTAB and obs-text: no control characters (CR, LF, NUL...).
@inline(__always) func isFieldValueByte(_ byte: UInt8) -> Bool {
    byte == SP || byte == HTAB || (byte >= 0x21 && byte != 0x7F)
}
