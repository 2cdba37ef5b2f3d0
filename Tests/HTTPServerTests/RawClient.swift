import Foundation
import Synchronization
import XCTest
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// A response as read off the wire by `RawClient`.
struct RawResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking TCP client that speaks raw bytes, for testing the server exactly as a network would.
final class RawClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var sawEOF = false

    convenience init(port: Int, host: String = "127.0.0.1", receiveTimeout: Double = 5) throws {
        try self.init(unconnectedFor: host, receiveTimeout: receiveTimeout)
        try connect(port: port, host: host)
    }

    /// Only the socket: for tests that must hold descriptors before the server may accept.
    init(unconnectedFor host: String, receiveTimeout: Double = 5) throws {
        fd = socket(host.contains(":") ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    func connect(port: Int, host: String = "127.0.0.1") throws {
        let status: Int32
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED) }
    }

    deinit { Glibc.close(fd) }

    /// Ends the connection both ways at once, as a client that goes away does (the descriptor
    /// itself is closed at deinit).
    func close() { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Sends one byte per system call, pausing so that the server sees them separately.
    func sendByteByByte(_ text: String, pause: useconds_t = 200) {
        for byte in text.utf8 {
            send([byte])
            usleep(pause)
        }
    }

    func shutdownWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes into the buffer; false at EOF, error or timeout.
    @discardableResult private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        if count == 0 { sawEOF = true }
        return false
    }

    /// Everything until the server closes (or the receive timeout).
    func readToEnd() -> [UInt8] {
        while fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// True if the server closed the connection (EOF, or reset) with nothing more to read.
    func serverClosed() -> Bool {
        if !buffer.isEmpty { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, 0)
        if count == 0 { return true }
        if count < 0 { return errno == ECONNRESET }
        buffer.append(byte)
        return false
    }

    private func takeLine() -> String? {
        while true {
            if let end = buffer.firstIndex(of: 10), end > 0, buffer[end - 1] == 13 {
                let line = String(decoding: buffer[0..<(end - 1)], as: UTF8.self)
                buffer.removeSubrange(0...end)
                return line
            }
            guard fill() else { return nil }
        }
    }

    private func take(_ count: Int) -> [UInt8]? {
        while buffer.count < count { guard fill() else { return nil } }
        defer { buffer.removeSubrange(0..<count) }
        return Array(buffer[0..<count])
    }

    /// Reads one response; `head` requests (and 1xx, 204, 304) have no body. Nil on EOF/timeout.
    func readResponse(forHead head: Bool = false) -> RawResponse? {
        guard let statusLine = takeLine() else { return nil }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else { return nil }
        var headers = HTTPHeaders()
        while let line = takeLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        if head || status < 200 || status == 204 || status == 304 { return RawResponse(status: status, headers: headers, body: []) }
        if headers["Transfer-Encoding"] == "chunked" {
            var body: [UInt8] = []
            while let sizeLine = takeLine(), let size = Int(sizeLine, radix: 16) {
                if size == 0 {
                    while let trailer = takeLine(), !trailer.isEmpty {}
                    return RawResponse(status: status, headers: headers, body: body)
                }
                guard let chunk = take(size), take(2) == [13, 10] else { return nil }
                body += chunk
            }
            return nil
        }
        if let length = headers["Content-Length"].flatMap(Int.init) {
            guard let body = take(length) else { return nil }
            return RawResponse(status: status, headers: headers, body: body)
        }
        return RawResponse(status: status, headers: headers, body: readToEnd())
    }

    /// Reads one chunk of a chunked body (after the head was read with `readHead`).
    func readChunk() -> [UInt8]? {
        guard let sizeLine = takeLine(), let size = Int(sizeLine, radix: 16) else { return nil }
        if size == 0 {
            while let trailer = takeLine(), !trailer.isEmpty {}
            return []
        }
        guard let chunk = take(size), take(2) == [13, 10] else { return nil }
        return chunk
    }

    /// Reads a status line and head only (for streamed responses).
    func readHead() -> (status: Int, headers: HTTPHeaders)? {
        guard let statusLine = takeLine() else { return nil }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers = HTTPHeaders()
        while let line = takeLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return (status, headers)
    }
}

/// A server on a free loopback port for one test; shut down by the test's teardown.
final class TestServer: Sendable {
    let server: HTTPServer
    let port: Int
    let host: String
    let log = LogCollector()

    init(host: String = "127.0.0.1", configure: (inout HTTPServerConfiguration) -> Void = { _ in },
         bodyHandling: @escaping BodyHandlingLookup = { _, _ in .inMemory }, inlineHandler: InlineHTTPHandler? = nil,
         handler: @escaping HTTPHandler) throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = host
        configuration.port = 0
        let log = self.log
        configuration.accessLog = { log.append($0) }
        configure(&configuration)
        server = HTTPServer(configuration: configuration, handler: handler, bodyHandling: bodyHandling, inlineHandler: inlineHandler)
        port = try server.start()
        self.host = host
    }

    func client(receiveTimeout: Double = 5) throws -> RawClient {
        try RawClient(port: port, host: host, receiveTimeout: receiveTimeout)
    }

    /// Sends `request` on a new connection and reads one response.
    func exchange(_ request: String, head: Bool = false) throws -> RawResponse? {
        let client = try client()
        client.send(request)
        return client.readResponse(forHead: head)
    }

    func stop() { server.shutdown(deadline: 2) }
}

final class LogCollector: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}

/// A handler that echoes what the server understood, for framing tests.
let echoHandler: HTTPHandler = { request in
    var headers = HTTPHeaders()
    headers.set("X-Method", request.method.rawValue)
    headers.set("X-Path", request.path)
    headers.set("X-Body-Length", String(request.body.count))
    return HTTPResponse(status: 200, contentType: "application/octet-stream", body: request.body, headers: headers)
}
