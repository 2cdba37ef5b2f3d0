import Foundation

/// Opens the work store a `--store` option names:
/// - `sqlite:PATH`: an SQLite file (PATH relative to `base`, by default the current folder; its
///   parent folder is created);
/// - `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `postgresql://`): a PostgreSQL
///   database, in a build with the `Postgres` trait; other builds throw `postgresNotBuilt`, which
///   says how to build one.
/// Anything else throws `unrecognized`, naming the location (never its password) and the forms.
public func openWorkStore(_ location: String, relativeTo base: URL? = nil) throws -> any WorkStore {
    try openWorkStore(location, relativeTo: base, postgresBuilt: WorkStoreLocation.postgresBuilt)
}

/// A store location as logs and banners may show it: a PostgreSQL URL without its password.
public func displayedStoreLocation(_ location: String) -> String {
    WorkStoreLocation.withoutPassword(location)
}

/// `openWorkStore`, with whether this build has PostgreSQL support given (tests check both answers in either build).
func openWorkStore(_ location: String, relativeTo base: URL?, postgresBuilt: Bool) throws -> any WorkStore {
    switch try WorkStoreLocation(location) {
    case let .sqlite(path):
        let folder = base ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let file = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            return try SQLiteWorkStore(path: file.standardizedFileURL.path)
        } catch let error as WorkStoreError {
            throw error
        } catch {
            throw WorkStoreLocationError.cannotOpen(location, reason: "\(error)")
        }
    case let .postgres(url):
        guard postgresBuilt else { throw WorkStoreLocationError.postgresNotBuilt(WorkStoreLocation.withoutPassword(url)) }
        #if POSTGRES
        return try PostgresWorkStore(url: url)
        #else
        throw WorkStoreLocationError.postgresNotBuilt(WorkStoreLocation.withoutPassword(url))
        #endif
    }
}

/// The kinds of `--store` location, parsed only as far as telling them apart.
enum WorkStoreLocation: Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// Whether this build has the PostgreSQL store (the `Postgres` trait).
    static var postgresBuilt: Bool {
        #if POSTGRES
        return true
        #else
        return false
        #endif
    }

    init(_ text: String) throws {
        let lowered = text.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if lowered.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw WorkStoreLocationError.unrecognized(text, reason: "sqlite: names no file") }
            guard !path.hasPrefix("//") else {
                throw WorkStoreLocationError.unrecognized(text, reason: "write sqlite:PATH or sqlite:/ABSOLUTE/PATH, without //")
            }
            self = .sqlite(path: path)
        } else {
            throw WorkStoreLocationError.unrecognized(Self.withoutPassword(text), reason: "unknown kind of store")
        }
    }

    /// `text` with any password between `user:` and `@` cut out, for messages.
    static func withoutPassword(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + String(text[at...])
    }
}

/// Why `openWorkStore` refused a location.
public enum WorkStoreLocationError: Error, Equatable, CustomStringConvertible {
    /// Not a location of a kind of store this program knows.
    case unrecognized(String, reason: String)
    /// A postgres:// location in a build without PostgreSQL support.
    case postgresNotBuilt(String)
    /// The SQLite file could not be created or opened.
    case cannotOpen(String, reason: String)

    public static let acceptedForms = "sqlite:PATH (e.g. sqlite:state/prunelab.db) or postgres://USER@HOST[:PORT]/DATABASE"

    public var description: String {
        switch self {
        case let .unrecognized(location, reason):
            return "store location \(location): \(reason); expected \(Self.acceptedForms)"
        case let .postgresNotBuilt(location):
            return "store location \(location): this prunelab was built without PostgreSQL support; "
                + "build it with `swift build -c release --product prunelab --traits Postgres`, or use sqlite:PATH"
        case let .cannotOpen(location, reason):
            return "store location \(location): cannot open the SQLite file: \(reason)"
        }
    }
}
