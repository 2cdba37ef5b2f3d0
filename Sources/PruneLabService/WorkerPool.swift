import Foundation
import JobStoreKit
import PruneKit
#if canImport(Glibc)
import Glibc
#endif

/// How `prunelab serve --workers N` runs its workers.
public enum WorkerLaunch: Sendable {
    /// N `prunelab worker` processes of `executable` on the same store (what `serve` does): a unit
    /// that crashes takes down one worker process, never the service, and its lease is expired at
    /// once so that another worker resumes it.
    case processes(executable: URL, environment: [String: String])
    /// N workers on threads of this process, sharing its store (tests, where a sweep of a few
    /// milliseconds should not pay for a process).
    case threads
}

/// Starts and supervises serve's workers. Each worker gets a disjoint share of the CPUs, so the
/// timings in results.csv are never measured against another of the service's own units. A worker
/// process that dies is restarted (after a pause that grows while it keeps dying young), and its
/// leases are expired at once instead of after `leaseSeconds`.
final class WorkerPool: @unchecked Sendable {
    struct Configuration: Sendable {
        var count: Int
        var launch: WorkerLaunch
        /// The store as the worker processes open it (`--store`).
        var storeLocation: String
        var artifactsRoot: URL
        var leaseSeconds: Double = 30
        var heartbeatSeconds: Double = 5
        /// RLIMIT_DATA of each worker process.
        var memoryLimitBytes: Int?
        var log: @Sendable (String) -> Void = { print($0) }
    }

    let configuration: Configuration
    let store: any WorkStore
    private let cpus = CPUShare.allowedCPUs()
    private let lock = NSLock()
    private var stopping = false
    /// The running worker processes, by worker index.
    private var children: [Int: ChildProcess] = [:]
    /// The process ids of the running worker processes, by worker id (chaos tests kill them).
    private var processIDs: [String: pid_t] = [:]
    private var threadWorkers: [Worker] = []
    private let finished = DispatchGroup()

    init(configuration: Configuration, store: any WorkStore) {
        self.configuration = configuration
        self.store = store
    }

    func start() {
        for index in 0..<configuration.count {
            finished.enter()
            let thread = Thread { [self] in
                switch configuration.launch {
                case .threads: runThreadWorker(index)
                case let .processes(executable, environment):
                    superviseProcess(index, executable: executable, environment: environment)
                }
                finished.leave()
            }
            thread.name = "prunelab-worker-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Stops every worker: each hands its unit back at once. A process that has not ended after
    /// `grace` seconds is killed, and its leases expired.
    func shutdown(grace: Double = 10) {
        let (processes, workers) = lock.withLock { () -> ([ChildProcess], [Worker]) in
            stopping = true
            return (Array(children.values), threadWorkers)
        }
        for worker in workers { worker.stop() }
        for child in processes { child.send(SIGTERM) }
        if finished.wait(timeout: .now() + grace) == .timedOut {
            for child in lock.withLock({ Array(children.values) }) { child.send(SIGKILL) }
            finished.wait()
        }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// The pid of worker process `id`, while it runs.
    func processID(ofWorker id: String) -> pid_t? {
        lock.withLock { processIDs[id] }
    }

    /// The identity of worker `index`: unique to this service process and the worker's start.
    private func identity(_ index: Int, generation: Int) -> WorkerIdentity {
        let host = MachineIdentity.current.host
        return WorkerIdentity(id: "\(host):\(getpid())/w\(index)" + (generation > 0 ? ".\(generation)" : ""), host: host)
    }

    private func settings(_ index: Int, generation: Int) -> Worker.Settings {
        var settings = Worker.Settings(identity: identity(index, generation: generation), artifactsRoot: configuration.artifactsRoot)
        settings.leaseSeconds = configuration.leaseSeconds
        settings.heartbeatSeconds = configuration.heartbeatSeconds
        settings.log = configuration.log
        return settings
    }

    private func runThreadWorker(_ index: Int) {
        let worker = Worker(store: store, settings: settings(index, generation: 0))
        let stopped = lock.withLock { () -> Bool in
            threadWorkers.append(worker)
            return stopping
        }
        if stopped { return }
        worker.run()
    }

    private func superviseProcess(_ index: Int, executable: URL, environment: [String: String]) {
        let share = CPUShare.share(worker: index, of: configuration.count, cpus: cpus)
        var pause = 0.5
        var generation = 0
        while !isStopping {
            let settings = settings(index, generation: generation)
            let started = Date()
            let termination: ChildProcess.Termination, lastError: String?
            do {
                (termination, lastError) = try runProcess(index, settings, cpus: share, executable: executable, environment: environment)
            } catch {
                configuration.log("error: cannot start worker \(index): \(ErrorText.message(for: error))")
                Thread.sleep(forTimeInterval: 5)
                continue
            }
            let stopped = isStopping
            do {
                let expired = try store.expireLeases(of: settings.identity.id, reason: "its worker process \(termination)"
                                                     + (lastError.map { ": \($0)" } ?? ""))
                if expired > 0 || !stopped {
                    configuration.log("worker \(settings.identity.id) \(termination)"
                                      + (expired > 0 ? "; its \(expired) unit\(expired == 1 ? "" : "s") went back to the queue" : ""))
                }
            } catch {
                configuration.log("error: cannot hand back the units of worker \(settings.identity.id): \(ErrorText.message(for: error))")
            }
            if stopped { break }
            // A worker that keeps dying young waits longer each time (at most 30 s); one that lived a while restarts soon.
            pause = Date().timeIntervalSince(started) < 10 ? min(pause * 2, 30) : 0.5
            generation += 1
            Thread.sleep(forTimeInterval: pause)
        }
    }

    /// Runs one worker process to its end.
    private func runProcess(_ index: Int, _ settings: Worker.Settings, cpus: [Int], executable: URL,
                            environment extra: [String: String]) throws -> (ChildProcess.Termination, String?) {
        var arguments = ["worker", "--artifacts", configuration.artifactsRoot.path,
                         "--id", settings.identity.id, "--cpus", cpus.map(String.init).joined(separator: ","),
                         "--lease-seconds", String(configuration.leaseSeconds),
                         "--heartbeat-seconds", String(configuration.heartbeatSeconds), "--supervised"]
        if let bytes = configuration.memoryLimitBytes { arguments += ["--memory-limit", String(bytes)] }
        var environment = ProcessInfo.processInfo.environment
        environment["MALLOC_ARENA_MAX"] = "2"        // glibc's default is 8 per core of address space
        environment["OPENBLAS_NUM_THREADS"] = "1"    // PruneKit splits the work itself (Parallel)
        environment[Parallel.coresVariable] = String(cpus.count)
        environment[WorkerProcess.storeVariable] = configuration.storeLocation   // not on the command line: it may hold a password
        for (key, value) in extra { environment[key] = value }

        let child = try ChildProcess.spawn(executable: executable.path, arguments: arguments, environment: environment)
        let registered = lock.withLock { () -> Bool in
            children[index] = child
            processIDs[settings.identity.id] = child.pid
            return !stopping
        }
        if !registered { child.send(SIGTERM) }
        let log = configuration.log
        let lastError = LastErrorLine()
        let outputDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            LineReader(fd: child.outputFD).forEachLine { line in
                lastError.consider(line)
                log(line)
            }
            outputDone.signal()
        }
        let termination = child.waitForExit()
        outputDone.wait()
        lock.withLock {
            children[index] = nil
            processIDs[settings.identity.id] = nil
        }
        return (termination, lastError.line)
    }
}

/// The last line a worker process wrote that reads like the error it died of ("Fatal error: …").
private final class LastErrorLine: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: String?

    var line: String? { lock.withLock { kept } }

    func consider(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("Fatal error") || trimmed.contains("Program crashed") || trimmed.hasPrefix("error:") else { return }
        lock.withLock { kept = String(trimmed.prefix(300)) }
    }
}
