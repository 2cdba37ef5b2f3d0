import ArgumentParser

@main
struct PruneLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prunelab",
        abstract: "Train a network, prune it at a sweep of sparsities, and measure what is left.",
        subcommands: [RunCommand.self, ServeCommand.self, BenchCommand.self, SchemaCommand.self])
}
