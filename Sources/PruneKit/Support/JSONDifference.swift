import Foundation

/// One place where two JSON documents differ: the JSON Pointer (RFC 6901) of the member and
/// its value on each side (nil where that side has no such member).
public struct JSONDifference: Equatable, Sendable {
    /// Where the documents differ, e.g. `/training/seed`.
    public var pointer: String
    /// The value in the first document; nil when it has no member there.
    public var left: JSONValue?
    /// The value in the second document; nil when it has no member there.
    public var right: JSONValue?

    public init(pointer: String, left: JSONValue?, right: JSONValue?) {
        self.pointer = pointer
        self.left = left
        self.right = right
    }
}

extension JSONValue {
    /// Where `left` and `right` differ, in pointer order. Objects are compared member by
    /// member; any other value (arrays included: a list of sparsities reads best whole) is
    /// compared as one.
    public static func differences(_ left: JSONValue?, _ right: JSONValue?, at pointer: String = "") -> [JSONDifference] {
        if case .object(let a)? = left, case .object(let b)? = right {
            return Set(a.keys).union(b.keys).sorted().flatMap { key in
                differences(a[key], b[key], at: pointer + "/" + escapePointerToken(key))
            }
        }
        return left == right ? [] : [JSONDifference(pointer: pointer, left: left, right: right)]
    }

    /// A key as one token of a JSON Pointer: `~` is `~0`, `/` is `~1`.
    public static func escapePointerToken(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
