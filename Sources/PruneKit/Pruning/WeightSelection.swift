/// Chooses which single weights to remove (as flat row-major indices into a layer's weights).
enum WeightSelection {
    /// The `count` lowest non-negative `scores` over all layers taken together (one threshold),
    /// returned per layer. Weights a `held` mask already removed (mask 0) come first, so they stay
    /// removed; then the lowest scores, ties to the earlier layer, then the lower index.
    static func lowestScores(acrossLayers layers: [[Float]], held: [Matrix?], count: Int) -> [[Int]] {
        precondition(held.count == layers.count, "one held mask slot per layer")
        let total = layers.reduce(0) { $0 + $1.count }
        let alreadyRemoved = held.reduce(0) { sum, mask in
            sum + (mask.map { mask in mask.data.withUnsafeBufferPointer { m in m.reduce(0) { $1 == 0 ? $0 + 1 : $0 } } } ?? 0)
        }
        let count = max(count, alreadyRemoved)
        precondition(count <= total, "cannot remove \(count) of \(total) weights")
        precondition(total <= Int(UInt32.max), "more weights than a 32-bit position can name")
        // For non-negative floats the IEEE bit pattern orders like the value, so one integer
        // sort of (score bits + 1, global position) orders by score and breaks ties by position;
        // held-removed weights get 0 in place of their score, below every survivor. (Plain loops
        // over the floats: a selection runs over every weight of the network for every point.)
        var keys = [UInt64](unsafeUninitializedCapacity: total) { keys, initialized in
            var position = 0
            for (values, mask) in zip(layers, held) {
                values.withUnsafeBufferPointer { scores in
                    for score in scores { precondition(!(score < 0), "scores must not be negative") }
                    if let mask {
                        precondition(mask.count == scores.count, "a held mask of \(mask.count) for \(scores.count) scores")
                        mask.data.withUnsafeBufferPointer { mask in
                            for i in scores.indices {
                                let rank: UInt64 = mask[i] == 0 ? 0 : UInt64(scores[i].bitPattern) + 1
                                keys[position + i] = rank << 32 | UInt64(position + i)
                            }
                        }
                    } else {
                        for i in scores.indices { keys[position + i] = (UInt64(scores[i].bitPattern) + 1) << 32 | UInt64(position + i) }
                    }
                }
                position += values.count
            }
            initialized = total
        }
        // The keys are distinct, so the `count` smallest are one set whatever the order they
        // are found in: a linear-time selection gives the set a full sort's prefix would.
        KeySelection.partition(&keys, smallest: count)
        var removed = [Bool](repeating: false, count: total)
        removed.withUnsafeMutableBufferPointer { removed in
            for key in keys.prefix(count) { removed[Int(key & 0xFFFF_FFFF)] = true }
        }
        var chosen = [[Int]]()
        var start = 0
        removed.withUnsafeBufferPointer { removed in
            for values in layers {
                var layer = [Int]()
                for i in 0..<values.count where removed[start + i] { layer.append(i) }
                chosen.append(layer)
                start += values.count
            }
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
