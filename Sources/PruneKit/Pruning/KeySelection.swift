/// Moves the `k` smallest of a set of distinct keys to the front, in linear expected time.
///
/// Pruning removes the `k` lowest-ranked of up to millions of weights; sorting all of them
/// (n log n, and Swift's stable sort moves each key many times) cost about a fifth of a second
/// per point of the reference sweep. Only which keys are in front matters, not their order.
enum KeySelection {
    /// Reorders `keys` so that `keys[..<k]` holds its `k` smallest values (in no particular order).
    /// Deterministic: the pivots come from the keys' positions, not from a random draw.
    static func partition(_ keys: inout [UInt64], smallest k: Int) {
        precondition(k >= 0 && k <= keys.count, "cannot select \(k) of \(keys.count) keys")
        guard k > 0, k < keys.count else { return }
        keys.withUnsafeMutableBufferPointer { buffer in
            var low = 0, high = buffer.count - 1
            // Invariant: every key before `low` belongs in front, every key after `high` does not.
            while high - low > 16 {
                let pivot = medianOfThree(buffer[low], buffer[low + (high - low) / 2], buffer[high])
                // Hoare partition around the pivot value.
                var i = low, j = high
                while i <= j {
                    while buffer[i] < pivot { i += 1 }
                    while buffer[j] > pivot { j -= 1 }
                    if i <= j {
                        buffer.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                // Now [low, j] <= pivot <= [i, high], and keys in (j, i) equal the pivot.
                if k <= j { high = j } else if k >= i { low = i } else { return }
            }
            // A short range left: sorting it puts its smallest keys in front.
            if low < high { buffer[low...high].sort() }
        }
    }

    private static func medianOfThree(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        max(min(a, b), min(max(a, b), c))
    }
}
