import Foundation

/// An error as one line for a job record: the OS's text for POSIX errors (e.g. "cannot write
/// /…/results.csv: No space left on device"), the message of our own errors.
enum ErrorText {
    static func message(for error: Error) -> String {
        let bridged = error as NSError
        if let text = bridged.userInfo[NSLocalizedDescriptionKey] as? String { return text }
        if let localized = error as? LocalizedError, let text = localized.errorDescription { return text }
        return String(describing: error)
    }
}

/// An error with a message of its own for a job or an operator (a limit not applied, a unit
/// this version's plan lacks).
public struct SweepReportedError: Error, CustomStringConvertible, LocalizedError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
