/// Chooses which single weights to remove (as flat row-major indices into a layer's weights).
enum WeightSelection {
    /// The `count` lowest non-negative `scores` over all layers taken together (one threshold),
    /// returned per layer. Weights a `held` mask already removed (mask 0) come first, so they stay
    /// removed; then the lowest scores, ties to the earlier layer, then the lower index.
    static func lowestScores(acrossLayers layers: [[Float]], held: [Matrix?], count: Int) -> [[Int]] {
        precondition(held.count == layers.count, "one held mask slot per layer")
        let total = layers.reduce(0) { $0 + $1.count }
        let alreadyRemoved = zip(layers, held).reduce(0) { sum, pair in
            sum + (pair.1.map { mask in mask.data.reduce(0) { $1 == 0 ? $0 + 1 : $0 } } ?? 0)
        }
        let count = max(count, alreadyRemoved)
        precondition(count <= total, "cannot remove \(count) of \(total) weights")
        precondition(total <= Int(UInt32.max), "more weights than a 32-bit position can name")
        // For non-negative floats the IEEE bit pattern orders like the value, so one integer
        // sort of (score bits + 1, global position) orders by score and breaks ties by position;
        // held-removed weights get 0 in place of their score, below every survivor.
        var keys = [UInt64]()
        keys.reserveCapacity(total)
        var position: UInt64 = 0
        for (values, mask) in zip(layers, held) {
            for (i, score) in values.enumerated() {
                precondition(!(score < 0), "scores must not be negative")
                let rank: UInt64 = mask.map { $0.data[i] == 0 } == true ? 0 : UInt64(score.bitPattern) + 1
                keys.append(rank << 32 | position)
                position += 1
            }
        }
        // The keys are distinct, so the `count` smallest are one set whatever the order they
        // are found in: a linear-time selection gives the set a full sort's prefix would.
        KeySelection.partition(&keys, smallest: count)
        var removed = [Bool](repeating: false, count: total)
        for key in keys.prefix(count) { removed[Int(key & 0xFFFF_FFFF)] = true }
        var chosen = [[Int]]()
        var start = 0
        for values in layers {
            chosen.append((0..<values.count).filter { removed[start + $0] })
            start += values.count
        }
        return chosen
    }

    /// `count` positions of `0 ..< n`: those a `held` mask already removed, and the rest drawn
    /// uniformly from the survivors. Ascending.
    static func random(from n: Int, count: Int, held: Matrix?, using random: inout SeededGenerator) -> [Int] {
        guard let held else { return random.drawDistinct(count, from: n) }
        let survivors = (0..<n).filter { held.data[$0] != 0 }
        let removedBefore = n - survivors.count
        let drawn = random.drawDistinct(max(0, count - removedBefore), from: survivors.count).map { survivors[$0] }
        return ((0..<n).filter { held.data[$0] == 0 } + drawn).sorted()
    }
}
