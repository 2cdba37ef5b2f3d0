import ArgumentParser
import Foundation
import PruneKit

extension CompareMetric: ExpressibleByArgument {}
extension CompareAxis: ExpressibleByArgument {}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Overlay several sweep folders' results in one SVG chart; with two folders, print where their specs differ.",
        discussion: """
            One series per folder × method (× variant), coloured by method and dashed per folder, each \
            legend entry naming the folder's sweep (the spec's name, or the folder's name) and the method; \
            bands of mean ± std where a sweep has repeats. GET /compare.svg draws the same chart on the server.
            """)

    @Argument(help: "Sweep output folders (each holding results.csv and spec.json).")
    var folders: [String]

    @Option(help: "y: accuracy, loss or latency.")
    var metric: CompareMetric = .accuracy

    @Option(help: "x: sparsity, or compression (log axis).")
    var x: CompareAxis = .sparsity

    @Option(name: .shortAndLong, help: "The SVG file to write.")
    var output: String = "compare.svg"

    func validate() throws {
        guard !folders.isEmpty else { throw ValidationError("name at least one sweep folder") }
        guard folders.count <= 20 else { throw ValidationError("compare at most 20 folders, got \(folders.count)") }
    }

    func run() throws {
        let urls = folders.map { URL(fileURLWithPath: $0, isDirectory: true) }
        do {
            let jobs = try CompareChart.jobs(folders: urls)
            let svg = CompareChart.svg(jobs, metric: metric, x: x)
            try svg.write(to: URL(fileURLWithPath: output), atomically: true, encoding: .utf8)
            let points = jobs.map { "\($0.name): \($0.rows.count) rows" }.joined(separator: "; ")
            print("\(output): \(metric.rawValue) against \(x.rawValue) of \(jobs.count) sweep\(jobs.count == 1 ? "" : "s") (\(points))")
            if urls.count == 2 {
                let specs = try urls.map(Self.spec(in:))
                let differences = SpecDiff.differences(specs[0], specs[1])
                print(differences.isEmpty ? "the two specs are the same" : "the specs differ (\(folders[0]) -> \(folders[1])):\n" + SpecDiff.text(differences))
            }
        } catch {
            standardError("prunelab compare: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// The resolved spec a sweep recorded in its folder.
    static func spec(in folder: URL) throws -> SweepSpec {
        let url = folder.appendingPathComponent("spec.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SweepError.unreadableFile(path: url.path, detail: "no spec.json: not a sweep's folder")
        }
        do {
            return try JSONDecoder().decode(SweepSpec.self, from: data)
        } catch {
            throw SweepError.unreadableFile(path: url.path, detail: "not a spec PruneLab wrote (\(error))")
        }
    }
}
