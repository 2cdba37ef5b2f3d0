import Foundation

/// Where a store is, as `--store` names it: `sqlite:PATH` (relative to the working folder, its
/// folder created when missing) or `postgres://USER@HOST[:PORT]/DB` (a build with PostgreSQL).
public enum WorkStoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// Reads a `--store` value; the error names the value and the forms accepted.
    public init(parsing text: String) throws {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw WorkStoreError.invalidArgument("store \"\(text)\" names no file; use sqlite:PATH, e.g. sqlite:state/prunelab.db") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            throw WorkStoreError.invalidArgument("store \"\(text)\" is neither sqlite:PATH nor postgres://USER@HOST[:PORT]/DB")
        }
    }
}

/// Opens the store `location` names (see `WorkStoreLocation`).
public func openWorkStore(_ location: String) throws -> any WorkStore {
    switch try WorkStoreLocation(parsing: location) {
    case .sqlite(let path):
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try SQLiteWorkStore(path: path)
    case .postgres:
        throw WorkStoreError.invalidArgument("store \"\(location)\": this prunelab was built without PostgreSQL; "
            + "build it with `swift build -c release --product prunelab --traits Postgres` (see the README)")
    }
}
