import ArgumentParser
import Dispatch
import Foundation
import PruneKit

#if canImport(Glibc)
import Glibc
#endif

/// `prunelab run [spec.json] [--out DIR]`: one sweep from the command line, no server.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train, prune at a sweep of sparsities, and write results.csv, summary.csv and SVG charts.",
        discussion: """
            Without a spec, runs the reference experiment (784-1000-1000-500-200-10 on Fashion-MNIST, \
            5 epochs of Adam, weight and unit pruning at 0-99%). Running again into the same folder \
            resumes: the trained model is loaded from its checkpoint and points already in \
            results.csv are skipped. Ctrl-C stops after the current batch; what is done stays on disk.

            Before starting it prints the cost estimate (peak memory, FLOPs, seconds at this \
            machine's rate); --max-memory refuses a sweep whose estimated peak is above the limit.

            Exit status: 0 success, 1 runtime failure, 2 bad spec, 3 over --max-memory, 130 interrupted.
            """)

    @Argument(help: ArgumentHelp("A sweep spec (JSON). '-' reads standard input; none means the reference experiment.",
                                 valueName: "spec.json"))
    var specPath: String?

    @Option(name: .long, help: ArgumentHelp("A named classic experiment instead of a spec: \(Preset.all.map(\.name).joined(separator: ", ")).",
                                            valueName: "name"))
    var preset: String?

    @Option(name: .long, help: ArgumentHelp("Output folder (default: out/<spec name>, e.g. out/seed).", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Refuse the sweep when its estimated peak memory is above this (bytes, or e.g. 6GB, 512MiB).",
                                            valueName: "bytes"),
            transform: { text in
                guard let bytes = ByteCount.parse(text) else {
                    throw ValidationError("--max-memory must be a byte count such as 6GB, 512MiB or 2000000000, got \"\(text)\"")
                }
                return bytes
            })
    var maxMemory: Int?

    @Flag(name: .long, help: "Print the cost estimate taken apart, and exit without running the sweep.")
    var estimateOnly = false

    @Option(name: .long, help: ArgumentHelp("Run only shard i of n (i from 0) into OUT/shards/i; 'prunelab merge OUT' joins them.",
                                            valueName: "i/n"),
            transform: { text in
                do { return try ShardIndex(parsing: text) } catch { throw ValidationError("\(error)") }
            })
    var shard: ShardIndex?

    func run() throws {
        // Before any large allocation: makes resident memory what the sweep holds (see MallocPolicy).
        MallocPolicy.applyToThisProcess()
        let submitted = try readSpec()
        let spec: SweepSpec
        let shape: DataShape
        do {
            // With imported weights, the file gives the network's shape.
            (spec, shape) = try submitted.resolvedWithShape()
        } catch {
            standardError("prunelab run: failed: \(error)\n")
            throw ExitCode(1)
        }
        let estimate = spec.estimate(shape: shape)
        standardError("prunelab run: estimate: \(estimate.summary)\n")
        if estimateOnly {
            print(spec.estimateBreakdown(shape: shape))
            print("memory driven by: \(estimate.memoryDrivers.joined(separator: ", "))")
            print("time driven by: \(estimate.timeDrivers.joined(separator: ", "))")
            return
        }
        if let maxMemory, let problem = estimate.memoryProblem(limit: maxMemory) {
            standardError("prunelab run: refused (--max-memory): \(problem)\n")
            throw ExitCode(3)
        }
        let folder = URL(fileURLWithPath: out ?? "out/\(spec.folderName)", isDirectory: true).standardizedFileURL
        let cancellation = CancellationFlag()
        if let shard {
            try runShard(shard, of: spec, into: folder, cancellation: cancellation)
            return
        }
        let runner = SweepRunner(spec: spec, outputDirectory: folder)
        let interrupt = Self.cancelOnInterrupt(cancellation)
        defer { interrupt.cancel() }
        let display = ProgressDisplay(terminal: isatty(STDERR_FILENO) != 0)
        standardError("prunelab run: \"\(spec.name)\" into \(folder.path)\n")

        let started = Date()
        let outcome: SweepOutcome
        do {
            outcome = try runner.run(cancellation: cancellation, progress: display.show)
            display.finish()
        } catch is SweepCancelled {
            display.finish()
            standardError("prunelab run: interrupted; finished points are in \(folder.path)/results.csv, run the same command again to resume\n")
            throw ExitCode(130)
        } catch {
            display.finish()
            standardError("prunelab run: failed: \(error)\n")
            throw ExitCode(1)
        }

        if let peak = ProcessMemory.peakResidentBytes() {
            // Measured against the estimate in every run; the estimate's test reads the bytes.
            standardError("prunelab run: peak memory measured \(ByteCount.format(peak)) (\(peak) bytes), "
                          + "estimated \(ByteCount.format(estimate.peakMemoryBytes)) (\(estimate.peakMemoryBytes) bytes)\n")
        }
        print(ResultsTable.text(SummaryRow.summarize(outcome.rows)))
        print("\nFinished in \(ProgressText.duration(Date().timeIntervalSince(started))). Files in \(folder.path):")
        for name in outcome.artifacts { print("  \(name)") }
    }

    /// One shard: its lines into OUT/shards/i, no summary or charts (the merge draws them).
    private func runShard(_ shard: ShardIndex, of spec: SweepSpec, into folder: URL, cancellation: CancellationFlag) throws {
        let runner = ShardRunner(spec: spec, shard: shard, outputDirectory: folder)
        let interrupt = Self.cancelOnInterrupt(cancellation)
        defer { interrupt.cancel() }
        let display = ProgressDisplay(terminal: isatty(STDERR_FILENO) != 0)
        let lines = runner.lines
        standardError("prunelab run: \"\(spec.name)\" shard \(shard) (\(lines.count) of \(SweepPlan(spec: spec).lines.count) lines) into \(runner.folder.path)\n")
        let outcome: ShardOutcome
        do {
            outcome = try runner.run(cancellation: cancellation, progress: display.show)
            display.finish()
        } catch is SweepCancelled {
            display.finish()
            standardError("prunelab run: interrupted; run the same command again to resume shard \(shard)\n")
            throw ExitCode(130)
        } catch {
            display.finish()
            standardError("prunelab run: shard \(shard) failed: \(error)\n")
            throw ExitCode(1)
        }
        print("shard \(shard): \(outcome.rows.count) rows, units done: \(outcome.manifest.unitsDone.joined(separator: " "))")
        print("Files in \(runner.folder.path); when every shard is done: prunelab merge \(folder.path)")
    }

    /// The spec from the argument, stdin or the reference; exits 2 naming every bad field.
    func validate() throws {
        if let preset {
            guard Preset.named(preset) != nil else {
                throw ValidationError("--preset must be one of \(Preset.all.map(\.name).joined(separator: ", ")), got \"\(preset)\"")
            }
            if specPath != nil { throw ValidationError("give a spec file or --preset, not both") }
        }
    }

    private func readSpec() throws -> SweepSpec {
        if let preset, let named = Preset.named(preset) { return try named.spec }
        guard let specPath else { return .reference }
        let json: Data
        if specPath == "-" {
            json = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: specPath) else {
                standardError("prunelab run: cannot read the spec file \(specPath)\n")
                throw ExitCode(2)
            }
            json = contents
        }
        do {
            return try SweepSpec.parse(json)
        } catch let error as SpecValidationError {
            standardError("prunelab run: the spec \(specPath == "-" ? "on standard input" : specPath) is not valid:\n")
            for field in error.errors {
                standardError("  \(field.pointer.isEmpty ? "/" : field.pointer): \(field.detail)\n")
            }
            throw ExitCode(2)
        }
    }

    /// The first Ctrl-C (or SIGTERM) asks the sweep to stop after the current batch; a second one kills.
    private static func cancelOnInterrupt(_ flag: CancellationFlag) -> DispatchSourceSignal {
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let termSource = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let handler = {
            standardError("\nprunelab run: stopping after the current batch (press Ctrl-C again to quit at once)\n")
            flag.cancel()
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        source.setEventHandler(handler: handler)
        termSource.setEventHandler(handler: handler)
        source.resume()
        termSource.resume()
        // Both sources live as long as the run; cancelling the returned one cancels its sibling too.
        source.setCancelHandler { termSource.cancel() }
        return source
    }
}

/// Shows sweep progress on stderr: a redrawn bar with ETA on a terminal, otherwise plain
/// lines when the phase, epoch or point changes (and every 10 s), so logs stay short.
private final class ProgressDisplay: @unchecked Sendable {
    private let terminal: Bool
    private let lock = NSLock()
    private var lastDraw = 0.0
    private var lastKey = ""
    private var drewBar = false

    init(terminal: Bool) {
        self.terminal = terminal
    }

    func show(_ progress: SweepProgress) {
        lock.lock(); defer { lock.unlock() }
        let now = Date().timeIntervalSinceReferenceDate
        if terminal {
            guard now - lastDraw >= 0.1 || progress.phase == .reporting else { return }
            // Cut to the terminal's width: a wrapped line could not be redrawn in place.
            standardError("\r\u{1B}[K" + String(ProgressText.bar(progress).prefix(Self.terminalColumns() - 1)))
            drewBar = true
        } else {
            // One line per training epoch and per sweep point, not per phase of a point.
            let stage = progress.phase == .training ? "training" : progress.phase == .fineTuning ? "fine-tuning" : "point"
            let key = "\(stage) \(progress.repeatIndex ?? -1) \(progress.epoch ?? 0) \(progress.level ?? 0)"
            guard key != lastKey || now - lastDraw >= 10 else { return }
            lastKey = key
            standardError(ProgressText.line(progress) + "\n")
        }
        lastDraw = now
    }

    private static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drewBar { standardError("\n") }
        drewBar = false
    }
}

func standardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
