import Foundation
import PruneKit

/// What a sweep process tells its supervisor, one JSON object per line on its fd 3:
/// `{"progress": {...}}` for every `SweepProgress`, and `{"error": "..."}` once when the sweep
/// fails with an error of its own (then it exits with status 1). Success is exit status 0,
/// cancellation exit status 130.
public enum SweepChildMessage: Codable, Equatable, Sendable {
    case progress(SweepProgress)
    case error(String)

    enum CodingKeys: String, CodingKey { case progress, error }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let progress = try c.decodeIfPresent(SweepProgress.self, forKey: .progress) {
            self = .progress(progress)
        } else if let message = try c.decodeIfPresent(String.self, forKey: .error) {
            self = .error(message)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "neither progress nor error"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .progress(let progress): try c.encode(progress, forKey: .progress)
        case .error(let message): try c.encode(message, forKey: .error)
        }
    }

    /// One line, newline included.
    public func line() -> Data {
        var data = (try? Self.encoder.encode(self)) ?? Data(#"{"error":"could not encode a progress message"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    public static func parse(_ line: String) -> SweepChildMessage? {
        try? JSONDecoder().decode(SweepChildMessage.self, from: Data(line.utf8))
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
}

/// Exit statuses of a sweep process.
public enum SweepChildExit {
    public static let succeeded: Int32 = 0
    public static let failed: Int32 = 1
    public static let badInvocation: Int32 = 2
    public static let cancelled: Int32 = 130
}
