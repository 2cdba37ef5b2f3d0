import Foundation
import PruneKit

/// Runs sweeps with the engine's `SweepRunner` in this process (for tests and tools; the service
/// uses `ChildProcessExecutor`). It resumes from the checkpoint and the rows already in
/// `results.csv`. It has no memory limit of its own: a job that outgrows the machine takes this
/// process with it, which is why the service never uses it.
public struct SweepRunnerExecutor: SweepExecutor {
    public init() {}

    public func run(_ attempt: SweepAttempt, cancellation: CancellationFlag,
                    progress: @escaping @Sendable (SweepProgress) -> Void) throws {
        _ = try SweepRunner(spec: attempt.spec, outputDirectory: attempt.outputDirectory)
            .run(cancellation: cancellation, progress: progress)
    }
}
