import CProcess
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process started with `posix_spawn`, with two pipes: the child's fd 3 (its messages) and its
/// stdout + stderr. No other descriptor of this process reaches the child (all are closed from
/// fd 4 on), signal dispositions and the signal mask are reset to the defaults, and the child
/// leads its own process group, so a Ctrl-C at the terminal reaches only the server, which then
/// stops its children itself. `signal` never hits a recycled pid: the child is reaped under the
/// same lock, after `waitid(WNOWAIT)` said it ended.
final class ChildProcess: @unchecked Sendable {
    /// How the child ended.
    enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let status): return "exited with status \(status)"
            case .signalled(let signal): return "was killed by signal \(signal) (\(ChildProcess.signalName(signal)))"
            }
        }
    }

    let pid: pid_t
    /// Read ends in this process: the child's fd 3, and its stdout and stderr together.
    let messageFD: Int32
    let outputFD: Int32
    private let lock = NSLock()
    private var reaped = false

    private init(pid: pid_t, messageFD: Int32, outputFD: Int32) {
        self.pid = pid
        self.messageFD = messageFD
        self.outputFD = outputFD
    }

    deinit {
        close(messageFD)
        close(outputFD)
    }

    static func spawn(executable: String, arguments: [String], environment: [String: String]) throws -> ChildProcess {
        var messages: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        guard prunelab_pipe_cloexec(&messages) == 0 else { throw posixError("cannot create a pipe") }
        guard prunelab_pipe_cloexec(&output) == 0 else {
            close(messages[0]); close(messages[1])
            throw posixError("cannot create a pipe")
        }
        defer { close(messages[1]); close(output[1]) }   // the child's ends, once it has them

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, output[1], 2)
        posix_spawn_file_actions_adddup2(&actions, messages[1], 3)
        prunelab_spawn_close_from(&actions, 4)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGXFSZ, SIGCHLD, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(messages[0]); close(output[0])
            errno = result
            throw posixError("cannot start \(executable)")
        }
        return ChildProcess(pid: pid, messageFD: messages[0], outputFD: output[0])
    }

    /// Sends `signal` unless the child was already reaped.
    func send(_ signal: Int32) {
        lock.lock(); defer { lock.unlock() }
        if !reaped { kill(pid, signal) }
    }

    /// Blocks until the child ends, reaps it and says how it ended.
    func waitForExit() -> Termination {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        lock.lock(); defer { lock.unlock() }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        return status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV",
            SIGPIPE: "SIGPIPE", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
        ]
        return names[signal] ?? "signal \(signal)"
    }

    static func posixError(_ what: String) -> NSError {
        NSError(domain: NSPOSIXErrorDomain, code: Int(errno),
                userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(errno)))"])
    }
}

/// Reads a descriptor to its end as lines (each cut at `maxLineBytes`).
struct LineReader {
    let fd: Int32
    var maxLineBytes = 1 << 20

    func forEachLine(_ body: (String) -> Void) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            for byte in buffer[0..<count] {
                if byte == UInt8(ascii: "\n") {
                    body(String(decoding: pending, as: UTF8.self))
                    pending.removeAll(keepingCapacity: true)
                } else if pending.count < maxLineBytes {
                    pending.append(byte)
                }
            }
        }
        if !pending.isEmpty { body(String(decoding: pending, as: UTF8.self)) }
    }
}
