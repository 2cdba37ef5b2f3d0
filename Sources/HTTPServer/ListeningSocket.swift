import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why the server could not start.
public struct HTTPServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }

    static func posix(_ call: String, _ host: String, _ port: Int) -> HTTPServerError {
        HTTPServerError("\(call) for \(host):\(port) failed: \(String(cString: strerror(errno)))")
    }
}

/// Socket calls of the listener and of accepted connections.
enum Sockets {
    /// A non-blocking, close-on-exec listening socket bound to `host`:`port` (IPv4 or IPv6).
    static func listen(host: String, port: Int, backlog: Int32 = 1024) throws -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw HTTPServerError("cannot resolve listen address \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(results) }
        var lastError = HTTPServerError("no usable address for \(host)")
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else {
                lastError = .posix("socket", host, port)
                continue
            }
            var on: Int32 = 1, off: Int32 = 0
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            if info.pointee.ai_family == AF_INET6 {
                // "::" serves IPv4 too (dual stack).
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
            }
            guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
                lastError = .posix("bind", host, port)
                Glibc.close(fd)
                continue
            }
            guard Glibc.listen(fd, backlog) == 0 else {
                lastError = .posix("listen", host, port)
                Glibc.close(fd)
                continue
            }
            return (fd, boundPort(fd) ?? port)
        }
        throw lastError
    }

    static func boundPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return nil }
        return address(storage).port
    }

    /// Accepts one connection as a non-blocking, close-on-exec socket with Nagle off.
    static func accept(_ listener: Int32) -> (fd: Int32, remote: String)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.accept(listener, $0, &length)
            }
        }
        guard fd >= 0 else { return nil }
        // Glibc's Swift overlay lacks accept4: set the flags right after (the server never forks).
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        let remote = address(storage)
        return (fd, remote.family == AF_INET6 ? "[\(remote.host)]:\(remote.port)" : "\(remote.host):\(remote.port)")
    }

    static func address(_ storage: sockaddr_storage) -> (family: Int32, host: String, port: Int) {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var inAddress = address.pointee.sin_addr
                    inet_ntop(AF_INET, &inAddress, &text, socklen_t(text.count))
                    return (AF_INET, Self.string(nulTerminated: text), Int(UInt16(bigEndian: address.pointee.sin_port)))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var in6Address = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &in6Address, &text, socklen_t(text.count))
                    return (AF_INET6, Self.string(nulTerminated: text), Int(UInt16(bigEndian: address.pointee.sin6_port)))
                }
            }
        default:
            return (Int32(storage.ss_family), "?", 0)
        }
    }

    /// Best-effort answer on a socket the server will not serve (connection cap), then FIN.
    static func refuse(_ fd: Int32, with bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
    }

    /// The text of a C buffer up to its first NUL.
    private static func string(nulTerminated text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
