/// Collects routes, then hands out a handler over an immutable `RouteTable` built from them.
///
/// Patterns are literal segments and `{name}` parameters, e.g. `/jobs/{id}/events`. A parameter
/// matches one non-empty segment, percent-decoded once, and reaches the handler in
/// `HTTPRequest.pathParameters`. Routes are tried in the order they were added, among the most specific patterns the path matches (a literal segment beats a parameter). HEAD is served
/// by the GET route (the server drops the body). A path that matches routes of other methods
/// only gives 405 with `Allow`; no match gives 404.
///
/// Build the router once at start-up: `handler` freezes what was added so far, so serving a
/// request takes no lock (routes added later reach only handlers taken later).
public final class Router {
    private var routes: [RouteTable.Route] = []
    private var staticFiles: StaticFiles?

    public init() {}

    /// Adds a route. `method` is case-sensitive ("GET"); `pattern` starts with "/".
    public func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {
        add(method, pattern, body: .inMemory, handler)
    }

    /// Adds a route that takes its body as declared: `.spooled` streams it to a file
    /// (`HTTPRequest.spooledBody`) with its own size limit.
    public func add(_ method: HTTPMethod, _ pattern: String, body: RequestBodyHandling, _ handler: @escaping HTTPHandler) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        routes.append(RouteTable.Route(method: method, pattern: pattern, body: body, execution: .queued, handler: handler))
    }

    /// Adds a route whose handler never blocks, so `RouteTable.respondInline` may run it on the
    /// socket's event thread (a status poll: a lookup under a short lock and a JSON encoding).
    public func add(_ method: HTTPMethod, _ pattern: String, execution: RouteExecution, _ handler: @escaping HTTPHandler) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        routes.append(RouteTable.Route(method: method, pattern: pattern, body: .inMemory, execution: execution, handler: handler))
    }

    /// Serves `files` for GET and HEAD requests that no route matched.
    public func mountStatic(_ files: StaticFiles) {
        staticFiles = files
    }

    /// The routes as they stand now, immutable.
    public var table: RouteTable { RouteTable(routes: routes, staticFiles: staticFiles) }

    /// The handler to give `HTTPServer`.
    public var handler: HTTPHandler {
        let table = self.table
        return { request in try table.respond(to: request) }
    }

    /// The inline handler to give `HTTPServer` with `handler`.
    public var inlineHandler: InlineHTTPHandler {
        let table = self.table
        return { request in try table.respondInline(to: request) }
    }
}

/// Where a route's handler may run.
public enum RouteExecution: Sendable, Equatable {
    /// On its connection's queue: it may block (disk, other processes, long computations).
    case queued
    /// On the socket's event thread: it never blocks.
    case inline
}

/// Routes and static files, fixed once built: safe to share between connections without a lock.
public struct RouteTable: Sendable {
    struct Route: Sendable {
        enum Segment: Equatable, Sendable {
            case literal(String)
            case parameter(String)
        }

        var method: HTTPMethod
        var segments: [Segment]
        var body: RequestBodyHandling
        var execution: RouteExecution
        var handler: HTTPHandler
        /// Per segment, whether it is a literal: how narrow a resource the pattern names.
        var specificity: [Bool]

        init(method: HTTPMethod, pattern: String, body: RequestBodyHandling, execution: RouteExecution,
             handler: @escaping HTTPHandler) {
            self.method = method
            self.body = body
            self.execution = execution
            self.segments = pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
                part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2
                    ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
            }
            self.handler = handler
            self.specificity = segments.map { if case .literal = $0 { true } else { false } }
        }
    }

    let routes: [Route]
    let staticFiles: StaticFiles?
    /// The indices of the routes with each number of segments: a path is matched against those
    /// alone (a static file's path used to be matched against every route, on every request).
    private let routesBySegmentCount: [Int: [Int]]

    init(routes: [Route], staticFiles: StaticFiles?) {
        self.routes = routes
        self.staticFiles = staticFiles
        routesBySegmentCount = Dictionary(grouping: routes.indices) { routes[$0].segments.count }
    }

    /// The body handling of the route that will answer `method` on `target` (`.inMemory` when
    /// none matches): what the server asks once a request head is complete.
    public func bodyHandling(method: HTTPMethod, target: String) -> RequestBodyHandling {
        guard let segments = Self.segments(of: target) else { return .inMemory }
        let (matching, resource) = resourceRoutes(segments)
        return matching.first { $0.0.specificity == resource && $0.0.method == method }?.0.body ?? .inMemory
    }

    /// The still-encoded path split, then each segment decoded (an encoded "/" stays data); nil
    /// on malformed percent-encoding.
    /// Runs for every request, twice (body handling, then the answer): it scans bytes, slices an
    /// origin-form target ("/path?query", nearly every request) in place instead of parsing it
    /// into a `RequestTarget` again, and copies only the segments themselves.
    static func segments(of target: String) -> [String]? {
        let rawPath = target.utf8.first == UInt8(ascii: "/")
            ? target[..<(target.utf8.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex)]
            : Substring(RequestTarget(target).rawPath)
        var segments: [String] = []
        let path = rawPath.utf8
        var start = path.index(after: path.startIndex)   // after the leading "/"
        while true {
            let end = path[start...].firstIndex(of: UInt8(ascii: "/")) ?? path.endIndex
            guard let segment = PercentDecoding.decode(rawPath[start..<end]) else { return nil }
            segments.append(segment)
            guard end < path.endIndex else { return segments }
            start = path.index(after: end)
        }
    }

    /// A path names one resource: of the patterns it matches, the most specific (a literal
    /// beats a parameter, from the left), so /jobs/1/cancel is not also /jobs/{id}/{file}.
    private func resourceRoutes(_ segments: [String]) -> (matching: [(Route, [String: String])], resource: [Bool]?) {
        let matching = (routesBySegmentCount[segments.count] ?? []).compactMap { index in
            Self.match(routes[index].segments, segments).map { (routes[index], $0) }
        }
        return (matching, matching.map { $0.0.specificity }.max { Self.isMoreSpecific($1, than: $0) })
    }

    public func respond(to request: HTTPRequest) throws -> HTTPResponse {
        guard let segments = Self.segments(of: request.target) else {
            return .problem(status: .badRequest, detail: "malformed percent-encoding in path")
        }
        let lookupMethod = request.method == .head ? .get : request.method
        let (matching, resource) = resourceRoutes(segments)
        var allowed: [HTTPMethod] = []
        for (route, parameters) in matching where route.specificity == resource {
            if route.method == lookupMethod {
                var routed = request
                routed.pathParameters = parameters
                return try route.handler(routed)
            }
            allowed.append(route.method)
        }
        if let staticFiles {
            let relativePath = String(request.path.drop { $0 == "/" })
            if lookupMethod == .get {
                if allowed.isEmpty || staticFiles.exists(relativePath) {
                    return staticFiles.response(for: request, relativePath: relativePath)
                }
            } else if staticFiles.exists(relativePath) {
                allowed.append(.get)
            }
        }
        guard !allowed.isEmpty else {
            return .problem(status: .notFound, detail: "no resource at \(request.path)")
        }
        var methods = Set(allowed)
        if methods.contains(.get) { methods.insert(.head) }
        let allow = methods.map(\.rawValue).sorted().joined(separator: ", ")
        var response = HTTPResponse.problem(status: .methodNotAllowed,
                                            detail: "\(request.method) is not allowed on \(request.path); allowed: \(allow)")
        response.headers.set("Allow", allow)
        return response
    }

    /// The answer `respond(to:)` would give, when it can be made without blocking: a route
    /// declared `.inline`, or a static file whose bytes are in memory. Nil for everything else
    /// (the queued handler answers it, errors included).
    public func respondInline(to request: HTTPRequest) throws -> HTTPResponse? {
        guard let segments = Self.segments(of: request.target) else { return nil }
        let lookupMethod = request.method == .head ? .get : request.method
        let (matching, resource) = resourceRoutes(segments)
        if let (route, parameters) = matching.first(where: { $0.0.specificity == resource && $0.0.method == lookupMethod }) {
            guard route.execution == .inline else { return nil }
            var routed = request
            routed.pathParameters = parameters
            return try route.handler(routed)
        }
        guard matching.isEmpty, lookupMethod == .get, let staticFiles else { return nil }
        return staticFiles.cachedResponse(for: request, relativePath: String(request.path.drop { $0 == "/" }))
    }

    /// Whether a pattern with literals at `a` names a narrower resource than one with literals at `b`.
    private static func isMoreSpecific(_ a: [Bool], than b: [Bool]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x }
        return false
    }

    private static func match(_ pattern: [Route.Segment], _ segments: [String]) -> [String: String]? {
        guard pattern.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (part, segment) in zip(pattern, segments) {
            switch part {
            case .literal(let literal):
                guard literal == segment else { return nil }
            case .parameter(let name):
                guard !segment.isEmpty else { return nil }
                parameters[name] = segment
            }
        }
        return parameters
    }
}
