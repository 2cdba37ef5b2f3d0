import Foundation

/// The fields in which two sweeps' resolved specs differ, as JSON Pointers of the spec schema
/// with both values: what `GET /compare/diff` answers and `prunelab compare` prints.
public enum SpecDiff {
    /// Every schema field whose value differs between `a` and `b`.
    public static func differences(_ a: SweepSpec, _ b: SweepSpec) -> [JSONDifference] {
        JSONValue.differences(SpecSchema.document(of: a), SpecSchema.document(of: b))
    }

    /// `{"jobs": [A, B], "differences": [{"pointer": ..., "a": ..., "b": ...}]}`; a side that
    /// has no value at a pointer (an optional field left unset) shows `null`.
    public static func document(names: (String, String), differences: [JSONDifference]) -> JSONValue {
        .object([
            "jobs": [.string(names.0), .string(names.1)],
            "differences": .array(differences.map { d in
                .object(["pointer": .string(d.pointer), "a": d.left ?? .null, "b": d.right ?? .null])
            }),
        ])
    }

    /// One line per difference, `/training/seed: 0 -> 1`, for a terminal.
    public static func text(_ differences: [JSONDifference]) -> String {
        differences.map { d in
            "\(d.pointer): \(d.left?.shortDescription ?? "(unset)") -> \(d.right?.shortDescription ?? "(unset)")"
        }.joined(separator: "\n")
    }
}
