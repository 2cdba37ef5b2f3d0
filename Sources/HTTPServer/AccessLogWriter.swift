import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Access-log lines to standard output, written in batches.
///
/// `print` per request takes the stdout lock and makes a system call while holding it; with
/// many connection threads that convoy showed up as a 2-3x higher p99 latency under load.
/// Here a request only appends to a buffer; a background flush writes it within 50 ms,
/// through stdio so that lines never interleave with other `print` output mid-line.
public final class AccessLogWriter: Sendable {
    private struct Batch {
        var pending: [UInt8] = []
        var flushScheduled = false
    }

    private enum Destination {
        /// Through `print`, which holds the stdout lock for the whole batch. (Swift 6 refuses a
        /// reference to the C global `stdout`.)
        case standardOutput
        /// stdio locks the stream itself, so writing it from the flush queue is safe.
        case file(UnsafeMutablePointer<FILE>)
    }

    /// The default `HTTPServerConfiguration.accessLog` destination.
    public static let standardOutput = AccessLogWriter(destination: .standardOutput)

    nonisolated(unsafe) private let destination: Destination
    private let batch = Locked(Batch())
    private let queue = DispatchQueue(label: "http.access-log")
    private static let flushDelay = 0.05

    convenience init(file: UnsafeMutablePointer<FILE>) {
        self.init(destination: .file(file))
    }

    private init(destination: Destination) {
        self.destination = destination
    }

    public func write(_ line: String) {
        let schedule = batch.withLock { batch in
            batch.pending.append(contentsOf: line.utf8)
            batch.pending.append(UInt8(ascii: "\n"))
            defer { batch.flushScheduled = true }
            return !batch.flushScheduled
        }
        if schedule {
            queue.asyncAfter(deadline: .now() + Self.flushDelay) { [self] in flush() }
        }
    }

    /// Writes what is buffered now (the server calls this when it shuts down).
    public func flush() {
        let bytes = batch.withLock { batch in
            defer {
                batch.pending.removeAll(keepingCapacity: true)
                batch.flushScheduled = false
            }
            return batch.pending
        }
        guard !bytes.isEmpty else { return }
        switch destination {
        case .standardOutput:
            print(String(decoding: bytes, as: UTF8.self), terminator: "")
            fflush(nil)
        case .file(let file):
            bytes.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, file) }
            fflush(file)
        }
    }
}
