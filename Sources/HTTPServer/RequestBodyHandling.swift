import Foundation

/// How a route takes its request body. Declared per route (`Router.add(_:_:body:_:)`) and
/// decided when the request head is complete, before any body byte is read.
public enum RequestBodyHandling: Sendable, Equatable {
    /// Held in memory, up to the server's `maxBodySize` (the default for every route).
    case inMemory
    /// Written to a temporary file as it arrives (Content-Length or chunked), never wholly in memory.
    case spooled(SpoolPolicy)
}

/// Where a streamed body goes and how large it may be.
public struct SpoolPolicy: Sendable, Equatable {
    /// Bodies larger than this get 413 (a Content-Length over it before any byte is read).
    public var maxBytes: Int
    /// The folder of the temporary files. The handler may rename the file elsewhere on the same
    /// file system (atomically); a body that does not complete leaves nothing behind.
    public var directory: URL

    public init(maxBytes: Int, directory: URL) {
        self.maxBytes = maxBytes
        self.directory = directory
    }
}

/// A request body that the server wrote to disk. The server removes the file once the handler
/// has returned, unless the handler moved it away.
public struct SpooledBody: Sendable, Equatable {
    public var file: URL
    public var byteCount: Int

    public init(file: URL, byteCount: Int) {
        self.file = file
        self.byteCount = byteCount
    }
}

/// Picks a route's body handling from the request's method and (still encoded) target.
public typealias BodyHandlingLookup = @Sendable (HTTPMethod, String) -> RequestBodyHandling
