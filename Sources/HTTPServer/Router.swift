import Foundation

/// Dispatches requests by method and path pattern; falls back to static files for GET and HEAD.
///
/// Patterns are literal segments and `{name}` parameters, e.g. `/jobs/{id}/events`. A parameter
/// matches one non-empty segment, percent-decoded once, and reaches the handler in
/// `HTTPRequest.pathParameters`. Routes are tried in the order they were added. HEAD is served
/// by the GET route (the server drops the body). A path that matches routes of other methods
/// only gives 405 with `Allow`; no match gives 404.
public final class Router: @unchecked Sendable {
    private struct Route {
        var method: String
        var segments: [Segment]
        var handler: HTTPHandler
    }

    private enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    private let lock = NSLock()
    private var routes: [Route] = []
    private var staticFiles: StaticFiles?

    public init() {}

    /// Adds a route. `method` is case-sensitive ("GET"); `pattern` starts with "/".
    public func add(_ method: String, _ pattern: String, _ handler: @escaping HTTPHandler) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part -> Segment in
            part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2
                ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
        lock.lock()
        routes.append(Route(method: method, segments: segments, handler: handler))
        lock.unlock()
    }

    /// Serves `files` for GET and HEAD requests that no route matched.
    public func mountStatic(_ files: StaticFiles) {
        lock.lock()
        staticFiles = files
        lock.unlock()
    }

    /// The handler to give `HTTPServer`.
    public var handler: HTTPHandler {
        { [self] request in try route(request) }
    }

    private func route(_ request: HTTPRequest) throws -> HTTPResponse {
        lock.lock()
        let routes = self.routes, staticFiles = self.staticFiles
        lock.unlock()

        // Split the still-encoded path, then decode each segment: an encoded "/" stays data.
        let rawPath = RequestTarget(request.target).rawPath
        var segments: [String] = []
        for raw in rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            guard let segment = PercentDecoding.decode(raw) else {
                return .problem(status: 400, title: "Bad Request", detail: "malformed percent-encoding in path")
            }
            segments.append(segment)
        }

        let lookupMethod = request.method == "HEAD" ? "GET" : request.method
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.match(route.segments, segments) else { continue }
            if route.method == lookupMethod {
                var routed = request
                routed.pathParameters = parameters
                return try route.handler(routed)
            }
            allowed.append(route.method)
        }
        if let staticFiles {
            let relativePath = String(request.path.drop { $0 == "/" })
            if lookupMethod == "GET" {
                if allowed.isEmpty || staticFiles.exists(relativePath) {
                    return staticFiles.response(for: request, relativePath: relativePath)
                }
            } else if staticFiles.exists(relativePath) {
                allowed += ["GET"]
            }
        }
        guard !allowed.isEmpty else {
            return .problem(status: 404, title: "Not Found", detail: "no resource at \(request.path)")
        }
        var methods = Set(allowed)
        if methods.contains("GET") { methods.insert("HEAD") }
        let allow = methods.sorted().joined(separator: ", ")
        var response = HTTPResponse.problem(status: 405, title: "Method Not Allowed",
                                            detail: "\(request.method) is not allowed on \(request.path); allowed: \(allow)")
        response.headers.set("Allow", allow)
        return response
    }

    private static func match(_ pattern: [Segment], _ segments: [String]) -> [String: String]? {
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
