import ArgumentParser
import Foundation
import PruneLabService

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the sweep job service: the HTTP API, the web page and the workers.",
        discussion: """
            Jobs are kept in <state-dir>/jobs/ and survive restarts: a sweep that was running \
            resumes from its checkpoint. Artifacts go to <public>/jobs/<id>/. When the \
            environment variable PRUNELAB_TOKEN is set, POST and DELETE need \
            'Authorization: Bearer <token>'. Stops gracefully on SIGTERM or SIGINT.
            """)

    @Option(help: "Address to listen on (0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(name: .customLong("state-dir"), help: "Folder for the job records.")
    var stateDirectory = "./state"

    @Option(name: .customLong("public"), help: "Folder of the web page; job artifacts go to its jobs/ subfolder.")
    var publicDirectory = "./public"

    @Option(help: "Sweeps to run at the same time (0: queue jobs but run none, a front end).")
    var workers = 1

    @Flag(help: "Queue the reference sweep on start if there is no job yet.")
    var submitReference = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        guard (0...64).contains(workers) else { throw ValidationError("--workers must be from 0 to 64, got \(workers)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: publicDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--public: no folder \(publicDirectory) (it holds index.html)")
        }
    }

    func run() throws {
        // Line-buffered, so `docker logs` and a redirected log show each line as it happens.
        setvbuf(stdout, nil, _IOLBF, 0)
        var configuration = ServiceConfiguration(
            stateDirectory: URL(fileURLWithPath: stateDirectory, isDirectory: true),
            publicDirectory: URL(fileURLWithPath: publicDirectory, isDirectory: true))
        configuration.host = host
        configuration.port = port
        configuration.workers = workers
        configuration.submitReference = submitReference
        if let token = ProcessInfo.processInfo.environment["PRUNELAB_TOKEN"], !token.isEmpty {
            configuration.token = token
        }
        let service = try PruneLabService(configuration: configuration)
        let bound = try service.start()
        let shownHost = host.contains(":") ? "[\(host)]" : host
        print("PruneLab serving http://\(shownHost):\(bound)/ (state: \(stateDirectory), \(workers) worker\(workers == 1 ? "" : "s")"
              + (configuration.token == nil ? "" : ", token required for POST and DELETE") + ")")
        service.runUntilTerminated()
    }
}
