import Foundation
import PruneKit

/// Runs one sweep into a folder. The seam between the job queue and the engine: the service
/// uses `SweepRunnerExecutor`; the protocol keeps the queue free of engine details.
public protocol SweepExecutor: Sendable {
    /// Runs or resumes the sweep, writing its artifacts into `outputDirectory`. Throws
    /// `SweepCancelled` soon after `cancellation` is set.
    func run(_ spec: SweepSpec, outputDirectory: URL, cancellation: CancellationFlag,
             progress: @escaping (SweepProgress) -> Void) throws

    /// The artifact file names a sweep can produce, in the order they are listed to clients.
    var artifactNames: [String] { get }
}
