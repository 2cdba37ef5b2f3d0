/// Chooses which single weights to remove (as flat row-major indices into a layer's weights).
enum WeightSelection {
    /// The `count` entries of `values` with the smallest |w|; ties go to the lower index.
    static func smallestMagnitudes(_ values: [Float], count: Int) -> [Int] {
        smallestMagnitudes(acrossLayers: [values], count: count)[0]
    }

    /// The `count` smallest |w| over all `layers` taken together (one global threshold), returned
    /// per layer. Ties go to the earlier layer, then the lower index.
    static func smallestMagnitudes(acrossLayers layers: [[Float]], count: Int) -> [[Int]] {
        let total = layers.reduce(0) { $0 + $1.count }
        precondition(count >= 0 && count <= total, "cannot remove \(count) of \(total) weights")
        precondition(total <= Int(UInt32.max), "more weights than a 32-bit position can name")
        // For non-negative floats the IEEE bit pattern orders like the value, so one integer
        // sort of (|w| bits, global position) orders by magnitude and breaks ties by position.
        var keys = [UInt64]()
        keys.reserveCapacity(total)
        var position: UInt64 = 0
        for values in layers {
            for w in values {
                keys.append(UInt64(abs(w).bitPattern) << 32 | position)
                position += 1
            }
        }
        keys.sort()
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

    /// `count` distinct positions of `0 ..< n`, uniformly at random.
    static func random(from n: Int, count: Int, using random: inout SeededGenerator) -> [Int] {
        random.drawDistinct(count, from: n)
    }
}
