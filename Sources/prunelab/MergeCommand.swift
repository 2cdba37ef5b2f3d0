import ArgumentParser
import Foundation
import PruneKit

/// `prunelab merge OUT [--partial]`: joins the shards of `prunelab run --shard i/n --out OUT`.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards in OUT/shards/*/ into one sweep's results.csv, summary.csv and charts in OUT.",
        discussion: """
            Checks that every shard ran the same spec and shard count and that every shard and line \
            is finished, then writes each point once (a shard or index run twice is recorded once), \
            in a single run's order, with the same summary and charts a single run draws.

            Exit status: 0 merged, 1 refused (the reason is printed) or failed.
            """)

    @Argument(help: ArgumentHelp("The --out folder the shards were run into.", valueName: "OUT"))
    var out: String

    @Flag(name: .long, help: "Merge the finished shards even when some shards or lines are missing (named on stderr).")
    var partial = false

    func run() throws {
        let folder = URL(fileURLWithPath: out, isDirectory: true).standardizedFileURL
        let outcome: MergeOutcome
        do {
            outcome = try ShardMerge(outputDirectory: folder).run(allowPartial: partial)
        } catch {
            standardError("prunelab merge: refused: \(error)\n")
            throw ExitCode(1)
        }
        if !outcome.missingShards.isEmpty {
            standardError("prunelab merge: partial: shards \(outcome.missingShards.map(String.init).joined(separator: ", ")) not finished\n")
        }
        if !outcome.missingLines.isEmpty {
            standardError("prunelab merge: partial: \(outcome.missingLines.count) lines missing: \(outcome.missingLines.joined(separator: " "))\n")
        }
        print(ResultsTable.text(SummaryRow.summarize(outcome.rows)))
        print("\nMerged \(outcome.shards.count) shards, \(outcome.rows.count) rows"
              + (outcome.duplicatesDropped > 0 ? " (\(outcome.duplicatesDropped) duplicate rows dropped)" : "") + ". Files in \(folder.path):")
        for name in outcome.artifacts { print("  \(name)") }
    }
}
