import Foundation

/// Header fields in the order received or set. Names compare case-insensitively.
public struct HTTPHeaders: Sequence, Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    /// The first value of `name`, if any.
    public subscript(name: String) -> String? {
        fields.first { Self.namesMatch($0.name, name) }?.value
    }

    public func values(_ name: String) -> [String] {
        fields.filter { Self.namesMatch($0.name, name) }.map(\.value)
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every value of `name` with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.namesMatch($0.name, name) }
    }

    /// Field names are ASCII tokens: compare them byte by byte, folding A-Z only (Foundation's
    /// locale-aware comparison was the hottest spot of a request).
    static func namesMatch(_ a: String, _ b: String) -> Bool {
        // Most names asked about are not the one at hand, and a length differs in O(1).
        guard a.utf8.count == b.utf8.count else { return false }
        var left = a.utf8.makeIterator(), right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x == y { continue }
                let folded = x | 0x20
                guard folded == y | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else { return false }
            default: return false
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// A parsed request as a handler sees it.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target exactly as received (path and query, still percent-encoded).
    public var target: String
    /// The path, percent-decoded exactly once.
    public var path: String
    /// Query parameters in order, percent-decoded (`+` as space).
    public var query: [(name: String, value: String)]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The body as a file, for routes that spool theirs (then `body` is empty).
    public var spooledBody: SpooledBody?
    /// Values of `{name}` segments of the route that matched.
    public var pathParameters: [String: String]
    public var remoteAddress: String

    public init(method: HTTPMethod, target: String, path: String, query: [(name: String, value: String)] = [],
                headers: HTTPHeaders = [:], body: [UInt8] = [], pathParameters: [String: String] = [:],
                remoteAddress: String = "", spooledBody: SpooledBody? = nil) {
        self.spooledBody = spooledBody
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.pathParameters = pathParameters
        self.remoteAddress = remoteAddress
    }

    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }
}

/// Writes the chunks of a streamed (chunked) response, e.g. Server-Sent Events.
public protocol ResponseStream: AnyObject, Sendable {
    /// Sends one chunk; returns false once the client has gone (stop producing then).
    @discardableResult func write(_ bytes: [UInt8]) -> Bool
    /// Ends the response (the terminating zero chunk).
    func finish()
}

public enum HTTPBody: Sendable {
    case bytes([UInt8])
    /// Sent with chunked transfer coding; the closure runs off the I/O queues and may block.
    case stream(@Sendable (ResponseStream) -> Void)
}

public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: HTTPBody

    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: HTTPBody = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: HTTPStatus, contentType: String, body: [UInt8], headers: HTTPHeaders = [:]) {
        var h = headers
        h.set("Content-Type", contentType)
        self.init(status: status, headers: h, body: .bytes(body))
    }
}

/// Answers one request. Throwing gives a 500 and the server goes on.
public typealias HTTPHandler = @Sendable (HTTPRequest) throws -> HTTPResponse

/// Answers a request on the socket's event thread when it can do so without blocking (no
/// waiting on locks held for long, on disk reads or on other processes); nil hands the request
/// to the `HTTPHandler` on its connection's queue. Throwing gives a 500.
public typealias InlineHTTPHandler = @Sendable (HTTPRequest) throws -> HTTPResponse?
