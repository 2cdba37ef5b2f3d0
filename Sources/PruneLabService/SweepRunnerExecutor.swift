import Foundation
import PruneKit

/// Runs sweeps with the engine's `SweepRunner`, which resumes from the checkpoint and the rows
/// already in `results.csv` when the folder holds them.
public struct SweepRunnerExecutor: SweepExecutor {
    public init() {}

    public var artifactNames: [String] { SweepRunner.artifactNames }

    public func run(_ spec: SweepSpec, outputDirectory: URL, cancellation: CancellationFlag,
                    progress: @escaping (SweepProgress) -> Void) throws {
        _ = try SweepRunner(spec: spec, outputDirectory: outputDirectory).run(cancellation: cancellation, progress: progress)
    }
}
