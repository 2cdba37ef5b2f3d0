import ArgumentParser
import Foundation
import JobStoreKit
import PruneKit
import PruneLabService

/// `prunelab worker`: claims work units of any job from the store and runs them, on this machine,
/// until SIGTERM or SIGINT (the running unit is handed back at once). `prunelab serve --workers N`
/// starts N of these itself; on other machines, start them by hand, from Slurm or Kubernetes.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Claim work units from a job store and run them until stopped.",
        discussion: """
            Every worker of a store must reach the same --artifacts folder (a shared filesystem \
            across machines). A unit's lease lasts --lease-seconds and is renewed every \
            --heartbeat-seconds while it runs; when a worker dies, another takes its unit over once \
            the lease runs out. Stops gracefully on SIGTERM or SIGINT.
            """)

    @Option(help: "The job store: sqlite:PATH, or postgres://USER[:PASSWORD]@HOST[:PORT]/DB in a build with PostgreSQL (default: $PRUNELAB_STORE, which keeps a password out of the process list).")
    var store: String?

    @Option(help: "The folder of job artifacts (ARTIFACTS/<job id>/), shared by every worker and front end.")
    var artifacts: String

    @Option(help: "This worker's name in the store (default: HOST:PID).")
    var id: String?

    @OptionGroup var lease: LeaseOptions

    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("Hard memory limit of this process, e.g. 4G (RLIMIT_DATA).", valueName: "bytes"))
    var memoryLimit: String?

    @Option(help: "Comma-separated CPU ids to run on.")
    var cpus: String?

    @Flag(name: .customLong("until-idle"), help: "Stop once no unit is claimable (a batch job that drains the store).")
    var untilIdle = false

    @Flag(help: .hidden)
    var supervised = false

    /// `--store`, or the environment's `PRUNELAB_STORE`.
    var storeLocation: String? { store ?? ProcessInfo.processInfo.environment[WorkerProcess.storeVariable].flatMap { $0.isEmpty ? nil : $0 } }

    func validate() throws {
        guard storeLocation != nil else { throw ValidationError("--store is missing (or set PRUNELAB_STORE): sqlite:PATH or postgres://USER@HOST[:PORT]/DB") }
        if let memoryLimit, (ByteCount.parse(memoryLimit) ?? 0) <= 0 {
            throw ValidationError("--memory-limit must be a size such as 4G, 512M or 1073741824, got \(memoryLimit)")
        }
        if let cpus, cpus.split(separator: ",").isEmpty || cpus.split(separator: ",").contains(where: { Int($0) == nil }) {
            throw ValidationError("--cpus must be comma-separated CPU ids, got \(cpus)")
        }
        if let id, id.isEmpty || id.count > 200 { throw ValidationError("--id must be 1 to 200 characters") }
    }

    func run() throws {
        setLineBufferedStandardOutput()
        // Before any large allocation: resident memory is what the units hold (see MallocPolicy).
        MallocPolicy.applyToThisProcess()
        let store: any WorkStore
        do {
            store = try openWorkStore(storeLocation ?? "")
        } catch {
            // The error names the location without its password.
            throw ValidationError("--store: \(error)")
        }
        let machine = MachineIdentity.current
        var settings = Worker.Settings(identity: WorkerIdentity(id: id ?? "\(machine.host):\(getpid())", host: machine.host),
                                       artifactsRoot: URL(fileURLWithPath: artifacts, isDirectory: true))
        settings.leaseSeconds = lease.leaseSeconds
        settings.heartbeatSeconds = lease.heartbeatSeconds
        settings.log = { print($0) }
        var limits = WorkerProcess.Limits()
        limits.memoryBytes = memoryLimit.flatMap(ByteCount.parse)
        limits.cpus = cpus.map { $0.split(separator: ",").compactMap { Int($0) } }
        let status = WorkerProcess.run(store: store, settings: settings, limits: limits, stopWithParent: supervised, untilIdle: untilIdle)
        if status != 0 { throw ExitCode(status) }
    }
}
