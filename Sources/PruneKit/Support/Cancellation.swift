import Synchronization

/// A flag the runner checks between batches; setting it stops the sweep with `SweepCancelled`.
public final class CancellationFlag: Sendable {
    private let cancelled = Mutex(false)

    /// A flag not yet set.
    public init() {}

    /// Whether `cancel()` has been called; safe to read from any thread.
    public var isCancelled: Bool { cancelled.withLock { $0 } }

    /// Asks the sweep to stop at its next check; calling it again does nothing more.
    public func cancel() { cancelled.withLock { $0 = true } }
}

/// Thrown by the runner when its cancellation flag was set. Work finished before that
/// (checkpoint, result rows) stays on disk, so a later run can resume.
public struct SweepCancelled: Error, CustomStringConvertible {
    /// The error, which carries no details.
    public init() {}
    /// The message the CLI and the job status show.
    public var description: String { "the sweep was cancelled" }
}
