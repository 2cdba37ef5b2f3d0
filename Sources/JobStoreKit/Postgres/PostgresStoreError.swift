#if POSTGRES
import PostgresNIO

/// Why the PostgreSQL store could not do a call; each message names the store's URL (never its password).
public enum PostgresStoreError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    /// No connection could be made (server down, wrong host or port, authentication refused).
    case unreachable(url: String, reason: String)
    /// The connection broke during the call; the transaction did not commit (or, when it broke
    /// during COMMIT, may have).
    case connectionLost(url: String, reason: String)
    /// The server refused a statement.
    case server(url: String, sqlState: String, message: String)
    /// A result did not have the shape this version expects (a schema edited by hand?).
    case unreadableResult(url: String, reason: String)
    /// The store was closed.
    case closed(url: String)

    public var description: String {
        switch self {
        case let .invalidURL(url, reason): return "invalid PostgreSQL store URL \(url): \(reason)"
        case let .unreachable(url, reason): return "cannot connect to the PostgreSQL store \(url): \(reason)"
        case let .connectionLost(url, reason): return "lost the connection to the PostgreSQL store \(url): \(reason)"
        case let .server(url, state, message): return "the PostgreSQL store \(url) refused a statement: \(message) (SQLSTATE \(state))"
        case let .unreadableResult(url, reason): return "unexpected result from the PostgreSQL store \(url): \(reason)"
        case let .closed(url): return "the PostgreSQL store \(url) is closed"
        }
    }

    /// Whether the error means the connection is gone (so a fresh one may succeed).
    static func isConnectionFailure(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return error is ChannelError || error is IOError || error is NoAnswer }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .messageDecodingFailure:
            return true
        case .server:
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now: the server is restarting.
            return ["57P01", "57P02", "57P03"].contains(error.serverInfo?[.sqlState] ?? "")
        default:
            return false
        }
    }

    /// Whether the server aborted the statement to break a deadlock (40P01) or a serialization conflict (40001).
    static func isDeadlock(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, error.code == .server else { return false }
        return ["40P01", "40001"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    /// Whether `error` came from the driver (the rest, e.g. `WorkStoreError`, is the store's own).
    static func isDriverError(_ error: any Error) -> Bool {
        error is PSQLError || error is ChannelError || error is IOError || error is NIOConnectionError
            || error is PostgresDecodingError || error is NoAnswer
    }

    /// A postgres-nio error as this store's error (PSQLError's own description hides everything).
    static func from(_ error: any Error, url: PostgresURL, connecting: Bool) -> any Error {
        if let decoding = error as? PostgresDecodingError {
            return unreadableResult(url: url.redacted, reason: "column \(decoding.columnName) (\(decoding.targetType)): \(decoding.code)")
        }
        if let noAnswer = error as? NoAnswer {
            let reason = "no answer within \(noAnswer.seconds) s; the connection was closed"
            return connecting ? unreachable(url: url.redacted, reason: reason) : connectionLost(url: url.redacted, reason: reason)
        }
        guard let psql = error as? PSQLError else {
            return connecting ? unreachable(url: url.redacted, reason: "\(error)") : connectionLost(url: url.redacted, reason: "\(error)")
        }
        if psql.code == .server, let info = psql.serverInfo {
            let state = info[.sqlState] ?? "?"
            let message = [info[.message], info[.detail]].compactMap { $0 }.joined(separator: ": ")
            if connecting { return unreachable(url: url.redacted, reason: "\(message) (SQLSTATE \(state))") }
            if isConnectionFailure(psql) { return connectionLost(url: url.redacted, reason: "\(message) (SQLSTATE \(state))") }
            return server(url: url.redacted, sqlState: state, message: message)
        }
        let reason = psql.underlying.map { "\(psql.code): \($0)" } ?? "\(psql.code)"
        return connecting ? unreachable(url: url.redacted, reason: reason) : connectionLost(url: url.redacted, reason: reason)
    }
}
/// A connection or statement the server did not answer in time (`PostgresConnections.answerSeconds`):
/// the connection is closed and counts as broken, like one the server closed.
struct NoAnswer: Error {
    let seconds: Double
}
#endif
