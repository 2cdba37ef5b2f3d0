import CEpoll
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One thread waiting in `epoll_wait` for the sockets of many connections, and handling their
/// readiness on that same thread.
///
/// Measured against Dispatch read and write sources (one serial queue per connection): each
/// readiness event there went from Dispatch's manager thread to a worker thread of the queue,
/// and re-armed its descriptor with `epoll_ctl`, which cost most of the server's CPU per
/// request. Here a socket is registered once, edge-triggered for input and output, so a
/// request costs its `read` and `send` and nothing else. The loop never blocks on a peer: the
/// sockets are non-blocking, and a handler that may block runs on its connection's queue.
final class EventLoop: @unchecked Sendable {
    /// One loop per core, shared by every server of the process, started on first use.
    /// Empty if epoll could not be had (out of descriptors); `HTTPServer.start` then fails.
    static let shared: [EventLoop] = (0..<max(1, ProcessInfo.processInfo.activeProcessorCount)).compactMap { EventLoop(index: $0) }
    private static let nextIndex = Atomic(0)

    /// The loop for a new connection (round robin).
    static func next() -> EventLoop {
        let index = nextIndex.add(1, ordering: .relaxed).oldValue
        return shared[index % shared.count]
    }

    private let epoll: Int32
    /// Owners whose sockets were removed: released on the loop's thread once no event
    /// fetched before the removal can still name them.
    private let released = Locked([Unmanaged<Connection>]())

    private init?(index: Int) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { return nil }
        let thread = Thread { [self] in run() }
        thread.name = "http.loop.\(index)"
        thread.start()
    }

    /// Watches `fd` for `client`, which stays alive until `remove` (edge-triggered, so the
    /// client must read until a short read or EAGAIN, and write until EAGAIN, before it hears more).
    func add(_ fd: Int32, for client: Connection) -> Bool {
        let retained = Unmanaged<Connection>.passRetained(client)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.ptr = retained.toOpaque()
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else {
            retained.release()
            return false
        }
        return true
    }

    /// Stops watching `fd` (call before closing it); `client` is released by the loop later.
    func remove(_ fd: Int32, for client: Connection) {
        var event = epoll_event()
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &event)
        released.withLock { $0.append(Unmanaged<Connection>.passUnretained(client)) }
    }

    private func run() {
        let capacity = 128
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        while true {
            // Events fetched by the last wait are all handled: what was removed since can go.
            for client in released.withLock({ list -> [Unmanaged<Connection>] in defer { list.removeAll() }; return list }) {
                client.release()
            }
            let count = epoll_wait(epoll, events, Int32(capacity), -1)
            guard count > 0 else { continue }   // EINTR
            for index in 0..<Int(count) {
                let event = events[index]
                guard let pointer = event.data.ptr else { continue }
                let client = Unmanaged<Connection>.fromOpaque(pointer).takeUnretainedValue()
                let flags = event.events
                let failed = flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
                client.socketReady(readable: failed || flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0,
                                   writable: failed || flags & EPOLLOUT.rawValue != 0,
                                   peerClosed: failed || flags & EPOLLRDHUP.rawValue != 0)
            }
        }
    }
}
