import ArgumentParser
import PruneKit

@main
struct PruneLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prunelab",
        abstract: "Train a network, prune it at a sweep of sparsities, and measure what is left.",
        subcommands: [RunCommand.self, MergeCommand.self, ServeCommand.self, WorkerCommand.self, BenchCommand.self, SchemaCommand.self, ExportCommand.self, CompareCommand.self])

    static func main() {
        // OpenBLAS's kernels are chosen (an environment variable, then a re-initialisation) here,
        // before any thread exists, never on a worker while other threads run.
        GEMM.prepare()
        main(nil)
    }
}
