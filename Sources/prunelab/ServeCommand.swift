import ArgumentParser
import Foundation
import JobStoreKit
import PruneKit
import PruneLabService

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the sweep job service: the HTTP API, the web page and the workers.",
        discussion: """
            Jobs, their work units and their rows are kept in the store (--store, by default \
            sqlite:<state-dir>/prunelab.db; JSON records of earlier versions in <state-dir>/jobs/ \
            are imported on its first start) and survive restarts. Artifacts go to \
            <artifacts>/<id>/. The service starts --workers 'prunelab worker' processes on its \
            store, each on its share of the CPUs under a memory limit; a unit whose worker dies is \
            resumed by another, up to --max-attempts attempts per unit. Other machines add workers \
            with 'prunelab worker --store ... --artifacts ...'. When PRUNELAB_TOKEN is set, POST \
            and DELETE need 'Authorization: Bearer <token>'; on an address other than loopback it \
            must be set (or --no-auth given). Stops gracefully on SIGTERM or SIGINT.
            """)

    @Option(help: "Address to listen on (0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(name: .customLong("state-dir"), help: "Folder of the default store (prunelab.db).")
    var stateDirectory = "./state"

    @Option(help: "The job store: sqlite:PATH (default: sqlite:<state-dir>/prunelab.db), or postgres://USER@HOST[:PORT]/DB in a build with PostgreSQL.")
    var store: String?

    @Option(name: .customLong("public"), help: "Folder of the web page.")
    var publicDirectory = "./public"

    @Option(help: "Folder of job artifacts, shared with every worker (default: <public>/jobs).")
    var artifacts: String?

    @Option(help: "Worker processes to start on the store (0: a front end that runs no work).")
    var workers = 1

    @OptionGroup var lease: LeaseOptions

    @Flag(help: "Queue the reference sweep on start if there is no job yet.")
    var submitReference = false

    @Option(name: .customLong("max-attempts"), help: "Attempts at each work unit (its worker died, or it failed) before its job fails.")
    var maxAttempts = 3

    @Option(name: .customLong("max-queued"), help: "Queued jobs (running ones not counted) beyond which POST /jobs answers 429.")
    var maxQueued = 100

    @Option(help: ArgumentHelp("Keep at most N finished jobs, deleting the oldest (default: all).", valueName: "N"))
    var retain: Int?

    @Option(name: .customLong("max-job-memory"),
            help: ArgumentHelp("Hard memory limit of one job's process, e.g. 4G or 512M (default: half of physical memory / --workers).",
                               valueName: "bytes"))
    var maxJobMemory: String?

    @Option(name: .customLong("max-job-seconds"),
            help: ArgumentHelp("Refuse jobs estimated to take longer, at this machine's measured rate (0: no limit).", valueName: "seconds"))
    var maxJobSeconds: Double = 86_400

    @Option(name: .customLong("data-root"), help: ArgumentHelp("A folder under which specs sent over HTTP may name files (repeatable; the Fashion-MNIST folder always is one). Other paths get 403.", valueName: "DIR"))
    var dataRoots: [String] = []

    @Option(name: .customLong("max-upload"),
            help: ArgumentHelp("Largest body of POST /models and POST /datasets, streamed to disk, e.g. 2G (413 beyond).", valueName: "bytes"))
    var maxUpload = "512M"

    @Flag(name: .customLong("no-auth"), help: "Serve on a non-loopback address without PRUNELAB_TOKEN (anyone reaching it can run and delete jobs).")
    var noAuth = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        guard (0...64).contains(workers) else { throw ValidationError("--workers must be from 0 to 64, got \(workers)") }
        guard (1...100).contains(maxAttempts) else { throw ValidationError("--max-attempts must be from 1 to 100, got \(maxAttempts)") }
        guard maxQueued >= 1 else { throw ValidationError("--max-queued must be at least 1, got \(maxQueued)") }
        if let retain, retain < 0 { throw ValidationError("--retain must be 0 or more, got \(retain)") }
        guard maxJobSeconds >= 0, maxJobSeconds.isFinite else { throw ValidationError("--max-job-seconds must be 0 or more, got \(maxJobSeconds)") }
        if let maxJobMemory, (ByteCount.parse(maxJobMemory) ?? 0) <= 0 {
            throw ValidationError("--max-job-memory must be a size such as 4G, 512M or 1073741824, got \(maxJobMemory)")
        }
        guard (ByteCount.parse(maxUpload) ?? 0) > 0 else {
            throw ValidationError("--max-upload must be a size such as 512M, 2G or 1048576, got \(maxUpload)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: publicDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--public: no folder \(publicDirectory) (it holds index.html)")
        }
    }

    func run() throws {
        // Line-buffered, so `docker logs` and a redirected log show each line as it happens.
        setLineBufferedStandardOutput()
        var configuration = ServiceConfiguration(
            stateDirectory: URL(fileURLWithPath: stateDirectory, isDirectory: true),
            publicDirectory: URL(fileURLWithPath: publicDirectory, isDirectory: true))
        configuration.host = host
        configuration.port = port
        configuration.workers = workers
        configuration.storeLocation = store
        configuration.artifactsDirectory = artifacts.map { URL(fileURLWithPath: $0, isDirectory: true) }
        configuration.leaseSeconds = lease.leaseSeconds
        configuration.heartbeatSeconds = lease.heartbeatSeconds
        configuration.submitReference = submitReference
        configuration.allowWithoutToken = noAuth
        configuration.limits.maxAttempts = maxAttempts
        configuration.limits.maxQueued = maxQueued
        configuration.limits.retainFinished = retain
        configuration.limits.maxJobMemoryBytes = maxJobMemory.flatMap(ByteCount.parse)
            ?? JobLimits.defaultJobMemoryBytes(workers: workers)
        configuration.limits.maxJobSeconds = maxJobSeconds > 0 ? maxJobSeconds : nil
        if let token = ProcessInfo.processInfo.environment["PRUNELAB_TOKEN"], !token.isEmpty {
            configuration.token = token
        }
        configuration.maxUploadBytes = ByteCount.parse(maxUpload) ?? configuration.maxUploadBytes
        configuration.dataRoots = dataRoots.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let problem = configuration.securityProblem { throw ValidationError(problem) }
        let service = try PruneLabService(configuration: configuration)
        let bound = try service.start()
        let shownHost = host.contains(":") ? "[\(host)]" : host
        print("PruneLab serving http://\(shownHost):\(bound)/ (store: \(displayedStoreLocation(configuration.resolvedStoreLocation)), \(workers) worker\(workers == 1 ? "" : "s")"
              + (configuration.token == nil ? "" : ", token required for POST and DELETE") + ")")
        service.runUntilTerminated()
    }
}

