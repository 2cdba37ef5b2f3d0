import ArgumentParser

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "(being built)")
    func run() throws { throw ValidationError("'serve' is not built yet") }
}
