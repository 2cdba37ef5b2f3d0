/// Shard `index` of `count` (`--shard i/n`): i counted from 0, 0 ≤ i < n.
public struct ShardIndex: Sendable, Equatable, CustomStringConvertible {
    /// This shard, from 0.
    public let index: Int
    /// How many shards the sweep is split into.
    public let count: Int

    /// Why an `i/n` text is not a shard, phrased for the command line.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The whole message, naming the option and what was given.
        public var description: String
    }

    /// A shard; throws when n < 1 or i is outside 0 ..< n.
    public init(index: Int, count: Int) throws {
        guard count >= 1 else {
            throw ParseError(description: "--shard i/n: n (the number of shards) must be at least 1, got \(count)")
        }
        guard (0..<count).contains(index) else {
            throw ParseError(description: "--shard \(index)/\(count): i counts from 0 and must be below n, so 0 to \(count - 1)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `3/16` (the fourth of sixteen shards).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ParseError(description: "--shard must be i/n with whole numbers, i counted from 0, e.g. 3/16; got \"\(text)\"")
        }
        try self.init(index: index, count: count)
    }

    /// `i/n`.
    public var description: String { "\(index)/\(count)" }
}
