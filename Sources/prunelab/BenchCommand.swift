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
            median of --repetitions runs, all in this one run. Each figure the speed issue sets a target for \
            is printed with its target and ratio. The sweep runs as a child process ('prunelab run --out <temporary folder>') so its \
            peak resident memory is its own; it takes about a minute, --skip-sweep leaves it out.
            """)

    @Flag(name: .long, help: "Print the figures as JSON instead of a table.")
    var json = false

    @Flag(name: .long, help: "Do not run the default sweep (its wall time and peak memory).")
    var skipSweep = false

    @Flag(name: .long, help: "Measure only inference (dense, CSR and shrunk networks, the sparse kernel's builds): no SGEMM, training or sweep.")
    var inferenceOnly = false

    @Option(name: .long, help: "Timed runs per figure; each figure is their median.")
    var repetitions = 5

    @Option(name: .long, help: ArgumentHelp("Sweep spec for the sweep measurement (default: the reference experiment).",
                                            valueName: "spec.json"))
    var sweepSpec: String?

    @Option(name: .long, parsing: .unconditional,
            help: ArgumentHelp("Hidden layer sizes of the network to measure, e.g. 300,100 for LeNet-300-100; its sweep is then the iterative one (3 epochs, 10 rounds of 20% with an epoch of retraining each, one seed).",
                               valueName: "sizes"))
    var hidden: String?

    @Option(name: .long, help: ArgumentHelp("A Python with TensorFlow (e.g. venv/bin/python after 'pip install tensorflow-cpu'): runs the same sweep in Keras in this run and prints the ratio.",
                                            valueName: "python"))
    var vsTensorflow: String?

    @Option(name: .long, help: ArgumentHelp("The Keras side of --vs-tensorflow.", valueName: "script.py"))
    var tensorflowScript = "scripts/tensorflow-sweep.py"

    func validate() throws {
        guard (1...100).contains(repetitions) else { throw ValidationError("--repetitions must be in 1...100, got \(repetitions)") }
        _ = try hiddenSizes()
        if vsTensorflow != nil, inferenceOnly { throw ValidationError("--vs-tensorflow repeats the sweep in TensorFlow: it cannot go with --inference-only") }
        if vsTensorflow != nil, skipSweep { throw ValidationError("--vs-tensorflow repeats the sweep in TensorFlow: it cannot go with --skip-sweep") }
        if let python = vsTensorflow, !FileManager.default.isExecutableFile(atPath: python) {
            throw ValidationError("--vs-tensorflow \(python): not an executable Python")
        }
    }

    /// `--hidden` as layer sizes, nil when not given.
    private func hiddenSizes() throws -> [Int]? {
        guard let hidden else { return nil }
        let sizes = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 100_000 }) else {
            throw ValidationError("--hidden \(hidden): give positive layer sizes separated by commas, e.g. 300,100")
        }
        return sizes.compactMap { $0 }
    }

    /// The iterative LeNet sweep of the speed issue: the han-lenet300 preset with one seed.
    private func iterativeSweepSpec(hidden: [Int], in folder: URL) throws -> URL {
        guard let preset = Preset.named("han-lenet300") else { throw ValidationError("the han-lenet300 preset is missing") }
        var document = preset.document
        document.set(.int(1), atPointer: "/repeats")
        document.set(.array(hidden.map { .int($0) }), atPointer: "/model/hidden")
        document.set(.string("bench-iterative"), atPointer: "/name")
        let url = folder.appendingPathExtension("spec.json")
        try document.serialized().write(to: url)
        return url
    }

    func run() throws {
        #if DEBUG
        FileHandle.standardError.write(Data("prunelab bench: this is a debug build; its figures are not representative\n".utf8))
        #endif
        var benchmark = Benchmark()
        benchmark.repetitions = repetitions
        benchmark.measuresTraining = !inferenceOnly
        let outputFolder = FileManager.default.temporaryDirectory
            .appendingPathComponent("prunelab-bench-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        defer {
            try? FileManager.default.removeItem(at: outputFolder)
            try? FileManager.default.removeItem(at: outputFolder.appendingPathExtension("spec.json"))
        }
        let hidden = try hiddenSizes()
        if let hidden { benchmark.layerSizes = [Benchmark.referenceLayerSizes[0]] + hidden + [Benchmark.referenceLayerSizes.last!] }
        if !skipSweep && !inferenceOnly {
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let spec = try sweepSpec ?? hidden.map { try iterativeSweepSpec(hidden: $0, in: outputFolder).path }
            benchmark.sweepCommand = (executable, ["run"] + (spec.map { [$0] } ?? []) + ["--out", outputFolder.path])
            benchmark.sweepOutput = outputFolder
            benchmark.sweepIsDefault = sweepSpec == nil
            if let python = vsTensorflow {
                benchmark.tensorflow = (URL(fileURLWithPath: python), URL(fileURLWithPath: tensorflowScript))
            }
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
