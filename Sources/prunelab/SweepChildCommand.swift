import ArgumentParser
import Foundation
import PruneKit
import PruneLabService

/// `prunelab sweep-child`: one attempt of a service job, started by `prunelab serve` (hidden
/// from help). It runs the sweep of --spec into --out and reports to its supervisor on fd 3.
struct SweepChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep-child",
        abstract: "Run one supervised sweep attempt (internal: started by 'prunelab serve').",
        shouldDisplay: false)

    @Option(help: "The resolved sweep spec (JSON).")
    var spec: String

    @Option(help: "The job's folder.")
    var out: String

    @Option(name: .customLong("memory-limit"), help: "RLIMIT_DATA in bytes.")
    var memoryLimit: Int?

    @Option(name: .customLong("file-size-limit"), help: "RLIMIT_FSIZE in bytes.")
    var fileSizeLimit: Int?

    @Option(help: "Comma-separated CPU ids to run on.")
    var cpus: String?

    func validate() throws {
        if let memoryLimit, memoryLimit <= 0 { throw ValidationError("--memory-limit must be positive, got \(memoryLimit)") }
        if let fileSizeLimit, fileSizeLimit <= 0 { throw ValidationError("--file-size-limit must be positive, got \(fileSizeLimit)") }
        if let cpus, cpus.split(separator: ",").contains(where: { Int($0) == nil }) {
            throw ValidationError("--cpus must be comma-separated CPU ids, got \(cpus)")
        }
    }

    func run() throws {
        // Before any large allocation: resident memory is what the sweep holds, as the estimate
        // that set this process's memory limit assumes (see MallocPolicy).
        MallocPolicy.applyToThisProcess()
        var settings = SweepChild.Settings(specFile: URL(fileURLWithPath: spec),
                                           outputDirectory: URL(fileURLWithPath: out, isDirectory: true))
        settings.memoryLimitBytes = memoryLimit
        settings.fileSizeLimitBytes = fileSizeLimit
        settings.cpus = cpus.map { $0.split(separator: ",").compactMap { Int($0) } }
        let status = SweepChild.run(settings)
        if status != 0 { throw ExitCode(status) }
    }
}
