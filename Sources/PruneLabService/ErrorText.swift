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
