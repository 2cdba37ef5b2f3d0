import Foundation
import HTTPServer
import JobStoreKit
import PruneKit

/// How `prunelab serve` runs.
public struct ServiceConfiguration: Sendable {
    /// The default store's folder (`sqlite:<stateDirectory>/prunelab.db`), and where the JSON job
    /// records of earlier versions are imported from (`stateDirectory/jobs/`).
    public var stateDirectory: URL
    /// The web page; job artifacts go to `publicDirectory/jobs/{id}/` unless `artifactsDirectory` is set.
    public var publicDirectory: URL
    /// Where jobs, units and rows live (`--store`): `sqlite:PATH` or `postgres://…`; nil: the default SQLite file.
    public var storeLocation: String?
    /// Artifacts of job `id` go to `artifactsDirectory/id/` (`--artifacts`), a folder every worker reaches.
    public var artifactsDirectory: URL?
    /// Worker processes this service starts on its store (0: a front end that runs no work).
    public var workers = 1
    /// How the workers run: processes of this executable (the default), or threads (tests).
    public var workerLaunch: WorkerLaunch?
    /// A unit's lease, and how often a running unit renews it.
    public var leaseSeconds = 30.0
    public var heartbeatSeconds = 5.0
    /// When set, POST and DELETE need `Authorization: Bearer <token>`.
    public var token: String?
    /// Serve on an address other than loopback without a token (`--no-auth`). Without it, such a
    /// configuration is refused: anyone who can reach the port could run and delete jobs.
    public var allowWithoutToken = false
    /// Attempts, queue length, retention and memory of jobs.
    public var limits = JobLimits()
    /// Folders (besides the Fashion-MNIST folder and the upload folder) under which specs sent
    /// over HTTP may name files.
    public var dataRoots: [URL] = []
    /// Largest body of `POST /models` and `POST /datasets` (`--max-upload`), spooled to disk.
    public var maxUploadBytes = 512 * 1_000_000
    /// Uploads go to `publicDirectory/uploads/` (beside the job artifacts) unless set.
    public var uploadsDirectory: URL?
    /// Queue the reference sweep on start if there is no job at all.
    public var submitReference = false
    /// Sockets, limits and timeouts; `host` and `port` below are shortcuts into it.
    public var http = HTTPServerConfiguration()
    public var log: @Sendable (String) -> Void = { print($0) }

    public var host: String {
        get { http.host }
        set { http.host = newValue }
    }

    public var port: Int {
        get { http.port }
        set { http.port = newValue }
    }

    public init(stateDirectory: URL, publicDirectory: URL) {
        self.stateDirectory = stateDirectory
        self.publicDirectory = publicDirectory
    }

    /// `--store`, or the default SQLite file in the state folder.
    public var resolvedStoreLocation: String {
        storeLocation ?? "sqlite:" + stateDirectory.appendingPathComponent("prunelab.db").path
    }

    /// `--artifacts`, or `public/jobs`.
    public var resolvedArtifactsDirectory: URL {
        artifactsDirectory ?? publicDirectory.appendingPathComponent("jobs", isDirectory: true)
    }

    /// Why this configuration must not start, or nil.
    public var securityProblem: String? {
        guard token == nil, !allowWithoutToken, !Self.isLoopback(host) else { return nil }
        return "refusing to serve on \(host) without a token: anyone who can reach it could submit, cancel and delete jobs. "
            + "Set PRUNELAB_TOKEN, bind 127.0.0.1, or pass --no-auth to accept that"
    }

    /// 127.0.0.0/8, ::1 and localhost.
    public static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}

/// A configuration `PruneLabService` refuses to start with.
public struct ServiceConfigurationError: Error, CustomStringConvertible, LocalizedError {
    public var description: String
    public var errorDescription: String? { description }
}

/// The sweep job service: the job manager and its workers behind the HTTP server.
///
///     let service = try PruneLabService(configuration: config)
///     let port = try service.start()
///     service.runUntilTerminated()        // or service.shutdown()
public final class PruneLabService: @unchecked Sendable {
    public let configuration: ServiceConfiguration
    public let jobs: JobManager
    /// The workers this service runs on its store.
    let workers: WorkerPool
    /// Every request the server hands over, routed; counts answers by status for /metrics.
    public let handler: HTTPHandler
    private let server: HTTPServer

    /// Opens the store (importing the JSON job records of earlier versions on its first start)
    /// and readies the workers and the server; `start` starts them.
    public init(configuration: ServiceConfiguration) throws {
        if let problem = configuration.securityProblem { throw ServiceConfigurationError(description: problem) }
        self.configuration = configuration
        let log = configuration.log
        let artifacts = configuration.resolvedArtifactsDirectory
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: configuration.stateDirectory, withIntermediateDirectories: true)
        let location = configuration.resolvedStoreLocation
        let store = try openWorkStore(location)
        let imported = try store.importEarlierRecords(stateDirectory: configuration.stateDirectory,
                                                      maxAttempts: configuration.limits.maxAttempts)
        if imported.ran && !imported.imported.isEmpty {
            log("imported \(imported.imported.count) job record\(imported.imported.count == 1 ? "" : "s") of an earlier version from \(configuration.stateDirectory.path)/jobs")
        }
        jobs = try JobManager(store: store, artifactsRoot: artifacts, workers: configuration.workers,
                              limits: configuration.limits, log: log)
        var pool = WorkerPool.Configuration(
            count: configuration.workers,
            launch: configuration.workerLaunch ?? .processes(executable: Self.currentExecutable, environment: [:]),
            storeLocation: location, artifactsRoot: artifacts)
        pool.leaseSeconds = configuration.leaseSeconds
        pool.heartbeatSeconds = configuration.heartbeatSeconds
        pool.memoryLimitBytes = configuration.limits.maxJobMemoryBytes
        pool.log = log
        workers = WorkerPool(configuration: pool, store: store)

        let metrics = ServiceMetrics()
        let router = Router()
        let uploads = try UploadStore(root: configuration.uploadsDirectory
            ?? configuration.publicDirectory.appendingPathComponent("uploads", isDirectory: true))
        var api = JobsAPI(jobs: jobs, token: configuration.token, metrics: metrics)
        // The upload folder is always a data root: resolved specs name files in it.
        api.dataRoots = DataRoots(extra: configuration.dataRoots + [uploads.root])
        api.uploads = UploadResolver(store: uploads)
        api.register(on: router)
        UploadsAPI(store: uploads, token: configuration.token, maxUpload: configuration.maxUploadBytes).register(on: router)
        router.mountStatic(StaticFiles(root: configuration.publicDirectory))   // "/" is public/index.html
        let routed = router.handler
        handler = { request in
            do {
                let response = try routed(request)
                metrics.countRequest(status: response.status.code)
                return response
            } catch {
                metrics.countRequest(status: 500)
                throw error
            }
        }
        let table = router.table
        // Cached static files and status polls are answered on the socket's event thread.
        let inline: InlineHTTPHandler = { request in
            do {
                guard let response = try table.respondInline(to: request) else { return nil }
                metrics.countRequest(status: response.status.code)
                return response
            } catch {
                metrics.countRequest(status: 500)
                throw error
            }
        }
        server = HTTPServer(configuration: configuration.http, handler: handler,
                            bodyHandling: { table.bodyHandling(method: $0, target: $1) }, inlineHandler: inline)
    }

    /// Starts the workers and the server; returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        jobs.start()
        workers.start()
        if configuration.submitReference, let record = try jobs.submitReferenceIfNoJobs() {
            configuration.log("queued the reference sweep as job \(record.id)")
        }
        return try server.start()
    }

    /// Stops the workers first (each hands its unit back, to be resumed by the next worker;
    /// event streams end), then lets the server finish the requests in flight.
    public func shutdown(deadline: Double = 10) {
        workers.shutdown(grace: deadline)
        jobs.shutdown()
        server.shutdown(deadline: deadline)
    }

    /// This process's own executable (`/proc/self/exe`, whatever the working directory or argv[0]).
    public static var currentExecutable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    /// Blocks until SIGTERM or SIGINT, then shuts down and returns (a second signal during the
    /// shutdown has its default effect).
    public func runUntilTerminated() {
        TerminationSignals.wait()
        configuration.log("stopping: workers hand their units back; finishing requests in flight")
        shutdown()
    }
}
