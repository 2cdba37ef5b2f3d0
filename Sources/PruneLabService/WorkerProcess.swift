import CProcess
import Dispatch
import Foundation
import JobStoreKit
import PruneKit
#if canImport(Glibc)
import Glibc
#endif

/// Set by the SIGTERM/SIGINT handler of a worker process (async-signal-safe: one aligned store).
private nonisolated(unsafe) var workerStopRequested: Int32 = 0

/// The process side of `prunelab worker`: applies its limits, then runs a `Worker` until SIGTERM
/// or SIGINT (the running unit is handed back at once) or, when a supervisor started it, until
/// that supervisor goes away.
public enum WorkerProcess {
    public struct Limits: Sendable {
        /// RLIMIT_DATA: the most memory the worker may allocate; a unit beyond it fails its attempt.
        public var memoryBytes: Int?
        /// Run only on these CPUs.
        public var cpus: [Int]?
        public init() {}
    }

    /// Test hook, honoured only so tests can kill a worker at a chosen point: `SIGNAL@PHASE`,
    /// e.g. `SIGKILL@evaluating`. The process sends itself that signal on its first progress
    /// report of that phase. Never set it in production.
    public static let crashHookVariable = "PRUNELAB_TEST_CRASH"

    /// The store a worker opens when `--store` is not given; `serve` passes its store this way, so
    /// that a PostgreSQL password never appears on a command line.
    public static let storeVariable = "PRUNELAB_STORE"

    /// Runs the worker until told to stop; returns the exit status (0, or 1 when the limits
    /// could not be applied).
    public static func run(store: any WorkStore, settings: Worker.Settings, limits: Limits,
                           stopWithParent: Bool, untilIdle: Bool = false) -> Int32 {
        // A write to a full or size-limited disk must fail with an error rather than kill us.
        signal(SIGXFSZ, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        do {
            if let bytes = limits.memoryBytes { try setLimit(RLIMIT_DATA, bytes, "memory (RLIMIT_DATA)") }
            if let cpus = limits.cpus { try CPUShare.pin(to: cpus) }
        } catch {
            settings.log("worker \(settings.identity.id): \(ErrorText.message(for: error))")
            return 1
        }
        var settings = settings
        if let hook = CrashHook(ProcessInfo.processInfo.environment[crashHookVariable]) {
            settings.progressObserver = { hook.fire(at: $0.phase) }
        }
        let worker = Worker(store: store, settings: settings)
        let watcher = stopWatcher(worker, stopWithParent: stopWithParent)
        defer { watcher.cancel() }
        settings.log("worker \(settings.identity.id) on \(settings.identity.host): claiming work (lease \(settings.leaseSeconds) s, "
                     + "heartbeat \(settings.heartbeatSeconds) s)")
        let finished = worker.run(untilIdle: untilIdle)
        settings.log("worker \(settings.identity.id) stopped after \(finished) unit\(finished == 1 ? "" : "s")")
        return 0
    }

    /// SIGTERM and SIGINT stop the worker; so does the supervisor going away (the kernel's
    /// parent-death signal, and a poll for being re-parented). A plain handler sets a flag that a
    /// timer passes on (Dispatch signal sources missed SIGTERM on Linux).
    private static func stopWatcher(_ worker: Worker, stopWithParent: Bool) -> DispatchSourceTimer {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in workerStopRequested = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for number in [SIGTERM, SIGINT] { sigaction(number, &action, nil) }
        let parent = getppid()
        if stopWithParent { _ = prunelab_set_parent_death_signal(SIGTERM) }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(20))
        timer.setEventHandler {
            if workerStopRequested != 0 || (stopWithParent && getppid() != parent) { worker.stop() }
        }
        timer.resume()
        return timer
    }

    private static func setLimit(_ resource: __rlimit_resource, _ bytes: Int, _ what: String) throws {
        var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        guard setrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0 else {
            throw SweepReportedError("cannot limit \(what) to \(bytes) bytes: \(String(cString: strerror(errno)))")
        }
    }

    private struct CrashHook: Sendable {
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
