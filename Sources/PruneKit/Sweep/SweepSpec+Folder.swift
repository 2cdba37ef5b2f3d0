extension SweepSpec {
    /// A safe folder name made from the spec's name: lower-case letters, digits, dots,
    /// underscores and single dashes ("Seed on Fashion-MNIST" -> "seed-on-fashion-mnist"),
    /// never starting with a dot, at most 64 characters; "sweep" when nothing is left.
    public var folderName: String {
        var slug = ""
        for scalar in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        let trimmed = slug.drop { $0 == "." || $0 == "-" }.prefix(64)
        let result = String(trimmed.reversed().drop { $0 == "-" }.reversed())
        return result.isEmpty ? "sweep" : result
    }
}
