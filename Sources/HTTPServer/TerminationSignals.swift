#if canImport(Glibc)
import Glibc
#endif

/// The write end of the self-pipe the signal handler writes to (async-signal-safe).
private nonisolated(unsafe) var terminationPipeWriteEnd: Int32 = -1

/// Waits for SIGTERM or SIGINT through a self-pipe.
///
/// Dispatch signal sources are not used: on Linux, `signal(SIGTERM, SIG_IGN)` followed by
/// `DispatchSource.makeSignalSource` never saw a `kill -TERM` (measured), so the process could
/// not be stopped gracefully.
public enum TerminationSignals {
    /// Blocks until the process receives SIGTERM or SIGINT, then restores the previous handlers
    /// (so a second signal has its usual effect) and returns. `installed` runs once listening.
    public static func wait(installed: () -> Void = {}) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        defer { ends.forEach { close($0) } }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        terminationPipeWriteEnd = ends[1]

        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(terminationPipeWriteEnd, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        var previous = [sigaction(), sigaction()]
        sigaction(SIGTERM, &action, &previous[0])
        sigaction(SIGINT, &action, &previous[1])
        installed()

        var byte: UInt8 = 0
        while read(ends[0], &byte, 1) < 0 && errno == EINTR {}
        sigaction(SIGTERM, &previous[0], nil)
        sigaction(SIGINT, &previous[1], nil)
        terminationPipeWriteEnd = -1
    }
}
