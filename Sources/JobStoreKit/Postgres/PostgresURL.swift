#if POSTGRES
import Foundation

/// Where a PostgreSQL store is: `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]`
/// (`postgresql://` too). `redacted` is the URL as error messages show it: never the password.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, require }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql"
        else { throw PostgresStoreError.invalidURL(Self.withoutPassword(text), reason: "it is not a postgres:// URL") }
        let shown = Self.withoutPassword(text)
        guard let user = components.user, !user.isEmpty else {
            throw PostgresStoreError.invalidURL(shown, reason: "it names no user (postgres://USER@HOST/DATABASE)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresStoreError.invalidURL(shown, reason: "it names no host")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresStoreError.invalidURL(shown, reason: "the path must be one database name (/DATABASE)")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw PostgresStoreError.invalidURL(shown, reason: "port \(port) is out of range") }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw PostgresStoreError.invalidURL(shown, reason: "unknown parameter \(item.name) (only sslmode is read)")
            }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw PostgresStoreError.invalidURL(shown, reason: "sslmode must be disable or require, got \(item.value ?? "nothing")")
            }
            tls = mode
        }
        self.user = user
        self.password = components.password
        self.host = host
        self.port = port
        self.database = database
        self.tls = tls
    }

    /// The URL without its password, for messages and logs.
    public var redacted: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        components.host = host
        components.port = port
        components.path = "/" + database
        if tls != .disable { components.queryItems = [URLQueryItem(name: "sslmode", value: tls.rawValue)] }
        return components.string ?? "postgres://\(user)@\(host):\(port)/\(database)"
    }

    public var description: String { redacted }

    /// The same server and user, another database (the tests make one per store).
    public func database(_ name: String) -> PostgresURL {
        var other = self
        other.database = name
        return other
    }

    /// `text` with any password cut out, for URLs too broken to parse.
    static func withoutPassword(_ text: String) -> String { WorkStoreLocation.withoutPassword(text) }
}
#endif
