import Dispatch
import Foundation
import PruneKit
#if canImport(Glibc)
import Glibc
#endif

/// Runs each attempt in its own process, `prunelab sweep-child`, and supervises it: progress
/// arrives over a pipe, cancellation sends SIGTERM and then SIGKILL after `killGrace`, and the
/// process's end (a signal, a status, an error it reported) becomes the attempt's outcome. No
/// job can take the service down: its memory is capped (RLIMIT_DATA), its malloc arenas are
/// bounded, and it runs only on its share of the CPUs.
public struct ChildProcessExecutor: SweepExecutor {
    /// The `prunelab` executable to start (by default this very process's executable).
    public var executable: URL
    /// Seconds between SIGTERM and SIGKILL when a job is cancelled or the service stops.
    public var killGrace: Double = 0.5
    /// RLIMIT_FSIZE for the child: the largest file a sweep may write; nil: no limit.
    public var fileSizeLimitBytes: Int?
    /// Added to the child's environment (tests set `SweepChild.crashHookVariable` here).
    public var extraEnvironment: [String: String] = [:]
    /// Each line the child writes to stdout or stderr, with its job id.
    public var log: @Sendable (String) -> Void = { _ in }

    /// Lines of the child's stderr kept for the error of a failed job.
    static let stderrLinesKept = 20

    public init(executable: URL = ChildProcessExecutor.currentExecutable) {
        self.executable = executable
    }

    /// This process's own executable (`/proc/self/exe`, whatever the working directory or argv[0]).
    public static var currentExecutable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    /// The command line of a sweep child (after the executable).
    static func arguments(specFile: URL, attempt: SweepAttempt, fileSizeLimitBytes: Int?) -> [String] {
        var arguments = ["sweep-child", "--spec", specFile.path, "--out", attempt.outputDirectory.path,
                         "--cpus", attempt.cpus.map(String.init).joined(separator: ",")]
        if let bytes = attempt.memoryLimitBytes { arguments += ["--memory-limit", String(bytes)] }
        if let bytes = fileSizeLimitBytes { arguments += ["--file-size-limit", String(bytes)] }
        return arguments
    }

    /// The child's environment: ours, with its arena count, thread count and core share set.
    func environment(cores: Int) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MALLOC_ARENA_MAX"] = "2"        // glibc's default is 8 per core of address space
        environment["OPENBLAS_NUM_THREADS"] = "1"    // PruneKit splits the work itself (Parallel)
        environment[Parallel.coresVariable] = String(cores)
        for (key, value) in extraEnvironment { environment[key] = value }
        return environment
    }

    public func run(_ attempt: SweepAttempt, cancellation: CancellationFlag,
                    progress: @escaping @Sendable (SweepProgress) -> Void) throws {
        let specFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("prunelab-spec-\(attempt.jobID)-\(UUID().uuidString).json")
        try JSONEncoder().encode(attempt.spec).write(to: specFile)
        defer { try? FileManager.default.removeItem(at: specFile) }
        try FileManager.default.createDirectory(at: attempt.outputDirectory, withIntermediateDirectories: true)

        let child = try ChildProcess.spawn(
            executable: executable.path,
            arguments: Self.arguments(specFile: specFile, attempt: attempt, fileSizeLimitBytes: fileSizeLimitBytes),
            environment: environment(cores: attempt.cpus.count))

        let output = OutputTail(limit: Self.stderrLinesKept)
        let outputDone = DispatchGroup()
        outputDone.enter()
        let log = self.log
        let jobID = attempt.jobID
        Thread.detachNewThread {
            LineReader(fd: child.outputFD).forEachLine { line in
                output.append(line)
                log("job \(jobID) sweep: \(line)")
            }
            outputDone.leave()
        }
        let stopper = Stopper(child: child, cancellation: cancellation, grace: killGrace)

        var reported: String?
        LineReader(fd: child.messageFD).forEachLine { line in
            switch SweepChildMessage.parse(line) {
            case .progress(let p): progress(p)
            case .error(let message): reported = message
            case nil: output.append("(unreadable message: \(line.prefix(200)))")
            }
        }
        let termination = child.waitForExit()
        stopper.stop()
        outputDone.wait()

        if termination == .exited(SweepChildExit.succeeded) { return }
        if cancellation.isCancelled,
           [.exited(SweepChildExit.cancelled), .signalled(SIGTERM), .signalled(SIGKILL)].contains(termination) {
            throw SweepCancelled()
        }
        if let reported, termination == .exited(SweepChildExit.failed) || termination == .exited(SweepChildExit.badInvocation) {
            throw SweepReportedError(reported)
        }
        throw SweepProcessCrash(termination: termination.description, firstError: output.firstError, stderrTail: output.lines)
    }

    /// Watches the cancellation flag: SIGTERM as soon as it is set, SIGKILL `grace` seconds later.
    private final class Stopper: @unchecked Sendable {
        private let timer = DispatchSource.makeTimerSource(queue: .global())
        private var terminatedAt: DispatchTime?

        init(child: ChildProcess, cancellation: CancellationFlag, grace: Double) {
            timer.schedule(deadline: .now(), repeating: .milliseconds(20))
            // Holds itself through the handler until `stop` cancels the timer, which releases the handler.
            timer.setEventHandler { [self] in
                guard cancellation.isCancelled else { return }
                if let terminatedAt {
                    if DispatchTime.now() >= terminatedAt + grace { child.send(SIGKILL) }
                } else {
                    child.send(SIGTERM)
                    terminatedAt = .now()
                }
            }
            timer.resume()
        }

        func stop() {
            timer.cancel()
        }
    }

    /// The last lines of the child's output, and the first that reads like the error (a crash
    /// report's frames and image lists come after it and would push it out).
    private final class OutputTail: @unchecked Sendable {
        private let lock = NSLock()
        private let limit: Int
        private var kept: [String] = []
        private var error: String?

        init(limit: Int) { self.limit = limit }

        func append(_ line: String) {
            // The Swift runtime's stack frames after a fatal error would push out the error itself;
            // they stay in the server's log.
            if line == "Current stack trace:" || line.range(of: #"^\s*\d+\s+\S+\s+0x[0-9a-f]+"#, options: .regularExpression) != nil {
                return
            }
            lock.lock(); defer { lock.unlock() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return }
            if error == nil, trimmed.hasPrefix("Fatal error") || trimmed.contains("rror:") || trimmed.contains("Program crashed") {
                error = String(trimmed.prefix(500))
            }
            kept.append(String(line.prefix(500)))
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
        }

        var lines: [String] {
            lock.lock(); defer { lock.unlock() }
            return kept
        }

        var firstError: String? {
            lock.lock(); defer { lock.unlock() }
            return error
        }
    }
}
