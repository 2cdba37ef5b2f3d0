import Foundation
import PruneKit

/// One attempt at a job: what to run, where, and with what share of the machine.
public struct SweepAttempt: Sendable {
    public var jobID: String
    public var spec: SweepSpec
    public var outputDirectory: URL
    /// Hard limit on the sweep's memory (RLIMIT_DATA of its process); nil: none.
    public var memoryLimitBytes: Int?
    /// The CPUs (ids as the kernel numbers them) the sweep may use; its thread count is their number.
    public var cpus: [Int]

    public init(jobID: String, spec: SweepSpec, outputDirectory: URL, memoryLimitBytes: Int? = nil,
                cpus: [Int] = CPUShare.allowedCPUs()) {
        self.jobID = jobID
        self.spec = spec
        self.outputDirectory = outputDirectory
        self.memoryLimitBytes = memoryLimitBytes
        self.cpus = cpus
    }
}

/// Runs one attempt of a sweep into a folder: the seam between the job queue and the engine.
/// The service runs each attempt in a child process (`ChildProcessExecutor`); tests may run it
/// in the test's own process (`SweepRunnerExecutor`).
///
/// How `run` ends tells the queue what to do:
/// - it returns: the sweep succeeded;
/// - `SweepCancelled`: stopped because `cancellation` was set (soon after it was set);
/// - `SweepProcessCrash`: the sweep's process died (a signal, a non-zero status); retried;
/// - any other error: the sweep itself failed with that message (a bad file, a full disk);
///   a retry would meet it again, so it is not retried.
public protocol SweepExecutor: Sendable {
    func run(_ attempt: SweepAttempt, cancellation: CancellationFlag,
             progress: @escaping @Sendable (SweepProgress) -> Void) throws
}

/// A sweep's process ended by a signal or a non-zero status without reporting an error of its own.
public struct SweepProcessCrash: Error, CustomStringConvertible, LocalizedError {
    /// E.g. "was killed by signal 9 (SIGKILL)" or "exited with status 134".
    public var termination: String
    /// The first line of its stderr that reads like the error ("Fatal error: ..."), if any.
    public var firstError: String?
    /// The last lines the process wrote to stderr.
    public var stderrTail: [String]

    public init(termination: String, firstError: String? = nil, stderrTail: [String]) {
        self.termination = termination
        self.firstError = firstError
        self.stderrTail = stderrTail
    }

    public var description: String {
        let tail = stderrTail.suffix(firstError == nil ? 5 : 2).joined(separator: " | ")
        var text = "the sweep process \(termination)"
        if let firstError { text += ": \(firstError)" }
        return text + (tail.isEmpty ? " (it wrote nothing to stderr)" : "; its last stderr lines: \(tail)")
    }

    public var errorDescription: String? { description }
}

/// An error the sweep reported about itself (from its process, or thrown in-process).
public struct SweepReportedError: Error, CustomStringConvertible, LocalizedError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
