/// Chooses which hidden units (output columns of a weight matrix) a layer keeps.
enum UnitSelection {
    /// The L2 norm of each column of `weights` (`inputs x outputs`): one per output unit.
    /// Summed in Double so the order of 1000 squares cannot reorder close norms.
    static func columnNorms(_ weights: Matrix) -> [Double] {
        var sums = [Double](repeating: 0, count: weights.cols)
        for row in 0..<weights.rows {
            for col in 0..<weights.cols {
                let w = Double(weights.data[row * weights.cols + col])
                sums[col] += w * w
            }
        }
        return sums.map { $0.squareRoot() }
    }

    /// The units kept after removing the `count` with the smallest norm (ties: the lower index
    /// goes first), in ascending order.
    static func keepLargestNorms(_ norms: [Double], removing count: Int) -> [Int] {
        precondition(count >= 0 && count <= norms.count, "cannot remove \(count) of \(norms.count) units")
        let byNorm = norms.indices.sorted { norms[$0] != norms[$1] ? norms[$0] < norms[$1] : $0 < $1 }
        return byNorm[count...].sorted()
    }

    /// The units kept after removing `count` of `units` at random, in ascending order.
    static func keepRandom(units: Int, removing count: Int, using random: inout SeededGenerator) -> [Int] {
        let removed = Set(random.drawDistinct(count, from: units))
        return (0..<units).filter { !removed.contains($0) }
    }
}
