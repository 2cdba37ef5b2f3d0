import Synchronization

/// A flag the runner checks between batches; setting it stops the sweep with `SweepCancelled`.
public final class CancellationFlag: Sendable {
    private let cancelled = Mutex(false)

    public init() {}

    public var isCancelled: Bool { cancelled.withLock { $0 } }

    public func cancel() { cancelled.withLock { $0 = true } }
}

/// Thrown by the runner when its cancellation flag was set. Work finished before that
/// (checkpoint, result rows) stays on disk, so a later run can resume.
public struct SweepCancelled: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the sweep was cancelled" }
}
