import Foundation
import PruneKit

/// The service's limits on jobs (flags of `prunelab serve`).
public struct JobLimits: Sendable {
    /// Attempts whose process crashed before a job is `failed` (`--max-attempts`).
    public var maxAttempts = 3
    /// Queued jobs (running ones not counted) beyond which a submission gets 429 (`--max-queued`).
    public var maxQueued = 100
    /// Finished jobs kept; the oldest beyond are deleted with their artifacts (`--retain`); nil: all.
    public var retainFinished: Int?
    /// Jobs estimated to peak above it are refused, and it is each worker process's hard memory
    /// limit (`--max-job-memory`); nil: none.
    public var maxJobMemoryBytes: Int?
    /// Estimated seconds beyond which a job is refused (`--max-job-seconds`); nil: none.
    public var maxJobSeconds: Double? = 86_400
    public init() {}

    /// Half of physical memory, divided among the workers.
    public static func defaultJobMemoryBytes(workers: Int) -> Int {
        Int(ProcessInfo.processInfo.physicalMemory / 2) / max(1, workers)
    }
}
