import ArgumentParser
import Foundation
import PruneKit

/// `prunelab bench`: measures training and pruned-inference speed on this machine (issue 3).
/// The measuring lives in `PruneKit.Benchmark`; this command only parses options and prints.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure SGEMM, training throughput, dense vs pruned inference, and the default sweep.",
        discussion: """
            Run it on a release build (swift run -c release prunelab bench): a debug build measures \
            the compiler, not PruneLab. Inference is timed as dense/pruned pairs until their ratio \
            settles, on the first 500 test images, scaled to the whole set; the other timings are the \
            median of --repetitions runs, all in this one run. The sweep runs as a child process ('prunelab run --out <temporary folder>') so its \
            peak resident memory is its own; it takes about a minute, --skip-sweep leaves it out.
            """)

    @Flag(name: .long, help: "Print the figures as JSON instead of a table.")
    var json = false

    @Flag(name: .long, help: "Do not run the default sweep (its wall time and peak memory).")
    var skipSweep = false

    @Option(name: .long, help: "Timed runs per figure; each figure is their median.")
    var repetitions = 5

    @Option(name: .long, help: ArgumentHelp("Sweep spec for the sweep measurement (default: the reference experiment).",
                                            valueName: "spec.json"))
    var sweepSpec: String?

    func validate() throws {
        guard (1...100).contains(repetitions) else { throw ValidationError("--repetitions must be in 1...100, got \(repetitions)") }
    }

    func run() throws {
        #if DEBUG
        FileHandle.standardError.write(Data("prunelab bench: this is a debug build; its figures are not representative\n".utf8))
        #endif
        var benchmark = Benchmark()
        benchmark.repetitions = repetitions
        let outputFolder = FileManager.default.temporaryDirectory
            .appendingPathComponent("prunelab-bench-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: outputFolder) }
        if !skipSweep {
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            benchmark.sweepCommand = (executable, ["run"] + (sweepSpec.map { [$0] } ?? []) + ["--out", outputFolder.path])
        }
        let report = benchmark.run { FileHandle.standardError.write(Data("measuring \($0)...\n".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table)
        }
    }
}
