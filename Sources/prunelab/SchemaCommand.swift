import ArgumentParser
import Foundation
import PruneKit

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the sweep spec's schema: every field, its default and its allowed values.",
        discussion: """
            The same description the parser checks specs against, the API serves in /openapi.json \
            and the README's spec table shows (regenerate that table with --markdown).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, markdown
    }

    @Option(help: "json (JSON Schema of a submitted spec) or markdown (the README's table).")
    var format: Format = .json

    @Flag(help: "Short for --format markdown.")
    var markdown = false

    func run() throws {
        switch markdown ? .markdown : format {
        case .json: print(String(decoding: SpecJSONSchema.input.serialized(pretty: true), as: UTF8.self))
        case .markdown: print(SpecSchema.markdownTable, terminator: "")
        }
    }
}
