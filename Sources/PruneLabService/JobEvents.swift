import Foundation

/// One Server-Sent Event about a job: `state` when its state changes (and once on subscribing),
/// `progress` as the sweep advances. `sequence` numbers a job's events in order, from 1.
public struct JobEvent: Sendable {
    public enum Kind: String, Sendable { case state, progress }
    public var kind: Kind
    public var sequence: Int
    public var job: JobRecord

    /// The event in the `text/event-stream` wire format; `data` is the job as `GET /jobs/{id}` shows it.
    func encoded(data: Data) -> [UInt8] {
        var text = "id: \(sequence)\nevent: \(kind.rawValue)\n"
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line)\n"
        }
        return Array((text + "\n").utf8)
    }
}

/// The events of one job for one listener, in order. The publisher never blocks: a slow
/// listener gets consecutive progress events merged into the latest one, but every state event.
final class JobEventFeed: @unchecked Sendable {
    enum Next { case event(JobEvent), timedOut, closed }

    private let condition = NSCondition()
    private var pending: [JobEvent] = []
    private var closed = false

    func push(_ event: JobEvent) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return }
        if event.kind == .progress, let last = pending.last, last.kind == .progress {
            pending[pending.count - 1] = event
        } else {
            pending.append(event)
        }
        condition.signal()
    }

    /// No more events will come; `next` drains what is pending, then answers `.closed`.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func next(timeout: TimeInterval) -> Next {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        if !pending.isEmpty { return .event(pending.removeFirst()) }
        return closed ? .closed : .timedOut
    }
}
