import CProcess
import Dispatch
import Foundation
import PruneKit
#if canImport(Glibc)
import Glibc
#endif

/// Set by the SIGTERM/SIGINT handler of a sweep child (async-signal-safe: one aligned store).
private nonisolated(unsafe) var sweepChildStopRequested: Int32 = 0

/// The child side of a supervised sweep (`prunelab sweep-child`, and later `prunelab worker`):
/// applies its limits, runs `SweepRunner` on the job's spec and folder, and reports every
/// progress and its own error to the supervisor as `SweepChildMessage` lines.
public enum SweepChild {
    public struct Settings: Sendable {
        /// A JSON file holding the resolved `SweepSpec`.
        public var specFile: URL
        public var outputDirectory: URL
        /// Where the messages go (the supervisor's pipe is fd 3).
        public var messageFD: Int32 = 3
        /// RLIMIT_DATA: the most memory the sweep may allocate.
        public var memoryLimitBytes: Int?
        /// RLIMIT_FSIZE: the largest file the sweep may write (a write beyond fails with EFBIG).
        public var fileSizeLimitBytes: Int?
        /// Run only on these CPUs.
        public var cpus: [Int]?

        public init(specFile: URL, outputDirectory: URL) {
            self.specFile = specFile
            self.outputDirectory = outputDirectory
        }
    }

    /// Test hook, honoured only so tests can kill a sweep at a chosen point: `SIGNAL@PHASE`,
    /// e.g. `SIGKILL@training` or `SIGSEGV@evaluating`. The process sends itself that signal
    /// on its first progress report of that phase. Never set it in production.
    public static let crashHookVariable = "PRUNELAB_TEST_CRASH"

    /// Runs the sweep; returns the exit status (`SweepChildExit`).
    public static func run(_ settings: Settings) -> Int32 {
        // A write beyond RLIMIT_FSIZE must fail with EFBIG rather than kill us; a write to a
        // pipe whose supervisor is gone must fail with EPIPE rather than kill us.
        signal(SIGXFSZ, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let channel = MessageChannel(fd: settings.messageFD)
        do {
            if let bytes = settings.memoryLimitBytes { try setLimit(RLIMIT_DATA, bytes, "memory (RLIMIT_DATA)") }
            if let bytes = settings.fileSizeLimitBytes { try setLimit(RLIMIT_FSIZE, bytes, "file size (RLIMIT_FSIZE)") }
            if let cpus = settings.cpus { try CPUShare.pin(to: cpus) }
        } catch {
            channel.send(.error(message(for: error)))
            return SweepChildExit.failed
        }
        let spec: SweepSpec
        do {
            spec = try JSONDecoder().decode(SweepSpec.self, from: Data(contentsOf: settings.specFile))
        } catch {
            channel.send(.error("cannot read the spec file \(settings.specFile.path): \(error)"))
            return SweepChildExit.badInvocation
        }

        let cancellation = CancellationFlag()
        channel.onBrokenPipe = { cancellation.cancel() }
        let watchers = stopWatchers(cancellation)
        defer { for watcher in watchers { watcher.cancel() } }
        let crashHook = CrashHook(ProcessInfo.processInfo.environment[crashHookVariable])

        do {
            _ = try SweepRunner(spec: spec, outputDirectory: settings.outputDirectory).run(cancellation: cancellation) { progress in
                crashHook?.fire(at: progress.phase)
                channel.send(.progress(progress))
            }
            return SweepChildExit.succeeded
        } catch is SweepCancelled {
            return SweepChildExit.cancelled
        } catch {
            channel.send(.error(message(for: error)))
            return SweepChildExit.failed
        }
    }

    /// SIGTERM and SIGINT ask the sweep to stop after the current batch; so does the supervisor
    /// going away (the kernel's parent-death signal, and a poll for being re-parented). A plain
    /// handler sets a flag that a timer passes on (Dispatch signal sources missed SIGTERM on Linux).
    private static func stopWatchers(_ cancellation: CancellationFlag) -> [DispatchSourceProtocol] {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in sweepChildStopRequested = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for number in [SIGTERM, SIGINT] { sigaction(number, &action, nil) }
        _ = prunelab_set_parent_death_signal(SIGTERM)
        let parent = getppid()
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(20))
        timer.setEventHandler {
            if sweepChildStopRequested != 0 || getppid() != parent { cancellation.cancel() }
        }
        timer.resume()
        return [timer]
    }

    private static func setLimit(_ resource: __rlimit_resource, _ bytes: Int, _ what: String) throws {
        var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        guard setrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0 else {
            throw SweepReportedError("cannot limit \(what) to \(bytes) bytes: \(String(cString: strerror(errno)))")
        }
    }

    static func message(for error: Error) -> String { ErrorText.message(for: error) }

    /// Writes whole message lines to the supervisor, one at a time.
    private final class MessageChannel: @unchecked Sendable {
        let fd: Int32
        let lock = NSLock()
        var onBrokenPipe: (() -> Void)?
        private var broken = false

        init(fd: Int32) { self.fd = fd }

        func send(_ message: SweepChildMessage) {
            let line = message.line()
            lock.lock(); defer { lock.unlock() }
            guard !broken else { return }
            line.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        broken = true
                        onBrokenPipe?()
                        return
                    }
                    offset += written
                }
            }
        }
    }

    private struct CrashHook {
        let signal: Int32
        let phase: SweepPhase

        init?(_ text: String?) {
            guard let text, let at = text.firstIndex(of: "@"),
                  let phase = SweepPhase(rawValue: String(text[text.index(after: at)...])) else { return nil }
            let signals: [String: Int32] = ["SIGKILL": SIGKILL, "SIGSEGV": SIGSEGV, "SIGABRT": SIGABRT, "SIGTERM": SIGTERM]
            guard let number = signals[String(text[..<at])] else { return nil }
            self.signal = number
            self.phase = phase
        }

        func fire(at current: SweepPhase) {
            guard current == phase else { return }
            Glibc.signal(signal, SIG_DFL)
            kill(getpid(), signal)
            pause()   // the signal, now at its default action, ends the process
        }
    }
}
