import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Serves the files under one root folder, safely: no request can read outside it.
///
/// Paths with `..` or `.` segments, hidden (dot) segments, NUL, backslashes, or encoded slashes
/// and backslashes in the raw target are refused (400); the real path (symlinks resolved) must
/// lie under the root's real path by whole components, else 404. Responses carry a content type,
/// `X-Content-Type-Options: nosniff`, a strong `ETag` and `Last-Modified`, and honour
/// `If-None-Match`, `If-Modified-Since`, `Range` (one byte range) and `If-Range`.
public struct StaticFiles: Sendable {
    public let root: URL
    /// The root with symlinks resolved, without a trailing slash (empty for "/").
    private let realRoot: String
    /// Bytes of files served lately, reused while the file is unchanged.
    private let cache = FileCache()

    public init(root: URL) {
        self.root = root
        let resolved = Self.realPath(root.path) ?? root.standardizedFileURL.path
        realRoot = resolved == "/" ? "" : resolved
    }

    /// Serves `root/relativePath` (relativePath is already percent-decoded; "" is the root folder).
    public func response(for request: HTTPRequest, relativePath: String) -> HTTPResponse {
        let resolution: Resolution
        do {
            resolution = try resolve(relativePath, rawTarget: request.target)
        } catch let refusal as Refusal {
            return .problem(status: refusal.status, detail: refusal.detail)
        } catch {
            return .problem(status: .notFound, detail: "no file at /\(relativePath)")
        }
        switch resolution {
        case .folderWithoutSlash:
            let target = RequestTarget(request.target)
            var response = HTTPResponse(status: .movedPermanently)
            response.headers.set("Location", target.rawPath + "/" + (target.rawQuery.map { "?" + $0 } ?? ""))
            return response
        case .file(let path, let identity):
            guard let file = cache.snapshot(of: path, identity: identity) else {
                return .problem(status: .notFound, detail: "no file at /\(relativePath)")
            }
            return FileResponder(file: file, contentType: Self.contentType(forPath: path), request: request).response()
        }
    }

    /// The response `response(for:relativePath:)` gives when the file's bytes are in memory and
    /// unchanged; nil when answering needs a disk read (or is not a plain file answer).
    func cachedResponse(for request: HTTPRequest, relativePath: String) -> HTTPResponse? {
        guard case .file(let path, let identity)? = try? resolve(relativePath, rawTarget: request.target),
              let file = cache.cachedSnapshot(of: path, identity: identity) else { return nil }
        return FileResponder(file: file, contentType: Self.contentType(forPath: path), request: request).response()
    }

    /// Whether `relativePath` names a file (or a folder with index.html) this would serve.
    public func exists(_ relativePath: String) -> Bool {
        (try? resolve(relativePath, rawTarget: "/")) != nil
    }

    // MARK: Resolution

    private enum Resolution {
        /// A regular file, and what it was when the path was resolved.
        case file(String, FileIdentity)
        case folderWithoutSlash
    }

    private struct Refusal: Error {
        var status: HTTPStatus
        var detail: String
    }

    private func resolve(_ relativePath: String, rawTarget: String) throws -> Resolution {
        if rawTarget.utf8.contains(UInt8(ascii: "%")), Self.hasEncodedSeparatorOrNUL(RequestTarget(rawTarget).rawPath) {
            throw Refusal(status: .badRequest, detail: "encoded slash, backslash or NUL in path")
        }
        let joined = try plainJoined(relativePath) ?? checkedJoined(relativePath)
        var requested = stat()
        if stat(joined, &requested) == 0, (requested.st_mode & S_IFMT) == S_IFREG,
           let known = cache.realPath(ofRequested: joined, identity: FileIdentity(requested)) {
            return .file(known, FileIdentity(requested))
        }
        guard let real = Self.realPath(joined), isUnderRoot(real) else {
            throw Refusal(status: .notFound, detail: "no file at /\(relativePath)")
        }
        var info = stat()
        guard stat(real, &info) == 0 else { throw Refusal(status: .notFound, detail: "no file at /\(relativePath)") }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if !relativePath.isEmpty && !relativePath.hasSuffix("/") { return .folderWithoutSlash }
            guard let index = Self.realPath(real + "/index.html"), isUnderRoot(index),
                  let identity = Self.regularFileIdentity(index) else {
                throw Refusal(status: .notFound, detail: "no index.html in /\(relativePath)")
            }
            return .file(index, identity)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw Refusal(status: .notFound, detail: "not a regular file: /\(relativePath)") }
        cache.remember(requested: joined, realPath: real)
        return .file(real, FileIdentity(info))
    }

    /// `relativePath` under the root when it is plain ("a/b.svg": no empty, dot or hidden segment,
    /// no NUL or backslash), found in one pass over its bytes; nil when it needs `checkedJoined`.
    /// Every request for a static file comes here, and nearly all paths are plain.
    private func plainJoined(_ relativePath: String) -> String? {
        var previous = UInt8(ascii: "/")
        for byte in relativePath.utf8 {
            if byte == 0 || byte == UInt8(ascii: "\\") { return nil }
            if previous == UInt8(ascii: "/") && (byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".")) { return nil }
            previous = byte
        }
        guard previous != UInt8(ascii: "/") else { return nil }   // empty, or a trailing slash
        return realRoot + "/" + relativePath
    }

    /// `relativePath` under the root with empty segments dropped, or the refusal it deserves.
    private func checkedJoined(_ relativePath: String) throws -> String {
        guard !relativePath.utf8.contains(0), !relativePath.utf8.contains(UInt8(ascii: "\\")) else {
            throw Refusal(status: .badRequest, detail: "NUL or backslash in path")
        }
        // Split on the byte "/": split on Characters, a decoded U+0600 (a prepended mark) swallowed
        // the "/" after it, and "\u{0600}/.env" was one component that passed the hidden-file check.
        let components = relativePath.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
            .map { String(decoding: $0, as: UTF8.self) }
        if components.contains(where: { $0 == ".." || $0 == "." }) {
            throw Refusal(status: .badRequest, detail: "dot segments are not allowed in paths")
        }
        if components.contains(where: { $0.utf8.first == UInt8(ascii: ".") }) {
            throw Refusal(status: .notFound, detail: "hidden files are not served")
        }
        return components.isEmpty ? realRoot : realRoot + "/" + components.joined(separator: "/")
    }

    /// "%2F", "%5C" or "%00" in any case: after decoding they could no longer be told apart
    /// from real separators.
    private static func hasEncodedSeparatorOrNUL(_ rawPath: String) -> Bool {
        let bytes = Array(rawPath.utf8)
        for index in bytes.indices where bytes[index] == UInt8(ascii: "%") && index + 2 < bytes.count {
            switch (bytes[index + 1], bytes[index + 2] | 0x20) {
            case (UInt8(ascii: "2"), UInt8(ascii: "f")), (UInt8(ascii: "5"), UInt8(ascii: "c")),
                 (UInt8(ascii: "0"), UInt8(ascii: "0")):
                return true
            default:
                continue
            }
        }
        return false
    }

    /// Under the root by whole path components ("/srv/public2" is not under "/srv/public").
    private func isUnderRoot(_ path: String) -> Bool {
        path == realRoot || path.hasPrefix(realRoot + "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func regularFileIdentity(_ path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileIdentity(info)
    }

    // MARK: Content types

    /// By the extension after the name's last dot; none for names like ".profile" or "README".
    static func contentType(forPath path: String) -> String {
        let bytes = path.utf8
        let nameStart = bytes.lastIndex(of: UInt8(ascii: "/")).map { bytes.index(after: $0) } ?? bytes.startIndex
        guard let dot = bytes[nameStart...].lastIndex(of: UInt8(ascii: ".")),
              bytes[nameStart..<dot].contains(where: { $0 != UInt8(ascii: ".") }) else { return "application/octet-stream" }
        let ext = String(Substring(bytes[bytes.index(after: dot)...]))
        return contentTypes[ext] ?? contentTypes[ext.lowercased()] ?? "application/octet-stream"
    }

    private static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8", "svg": "image/svg+xml",
        "csv": "text/csv; charset=utf-8", "json": "application/json", "txt": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "gif": "image/gif", "ico": "image/x-icon", "webp": "image/webp", "wasm": "application/wasm",
        "safetensors": "application/octet-stream",
    ]
}
