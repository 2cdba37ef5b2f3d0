/// Limits and timeouts of an `HTTPServer`. Times are in seconds.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind: an IPv4 or IPv6 literal ("127.0.0.1", "::1", "0.0.0.0", "::") or a host name.
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free port, which `HTTPServer.start()` returns.
    public var port = 8080
    /// Open connections beyond this get a 503 and are closed.
    public var maxConnections = 512
    /// Largest request body accepted (413 beyond).
    public var maxBodySize = 1 << 20
    /// Time allowed for a whole request head, from its first byte (then 408 and close).
    public var headTimeout: Double = 10
    /// Time allowed for a whole request body, from the end of its head (then 408 and close).
    public var bodyTimeout: Double = 30
    /// Time a keep-alive connection may stay silent between requests before it is closed.
    public var idleTimeout: Double = 15
    /// Time a response may make no progress towards a client that does not read before the connection is dropped.
    public var writeTimeout: Double = 30
    /// Receives one line per request: remote address, method, path, status, body bytes, milliseconds.
    /// The default prints to standard output in batches (`AccessLogWriter`); `nil` disables it.
    public var accessLog: (@Sendable (String) -> Void)? = { AccessLogWriter.standardOutput.write($0) }

    public init() {}
}

/// Fixed limits of the request parser (RFC 9112 leaves them to the server).
struct ParserLimits: Sendable {
    var maxRequestLine = 8 * 1024
    var maxHead = 32 * 1024
    var maxFields = 100
    var maxBody = 1 << 20
    /// A chunk-size line (size and extensions) longer than this is refused.
    var maxChunkLine = 4 * 1024
}
