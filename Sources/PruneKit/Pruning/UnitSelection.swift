/// Chooses which hidden units (output columns of a weight matrix) a layer keeps.
enum UnitSelection {
    /// The L2 norm of each column of `weights` (`inputs x outputs`): one per output unit.
    /// Summed in Double so the order of 1000 squares cannot reorder close norms.
    static func columnNorms(_ weights: Matrix) -> [Double] {
        var sums = [Double](repeating: 0, count: weights.cols)
        let cols = weights.cols
        // Each column's sum runs over the rows in order, whatever the loop's vector width.
        weights.data.withUnsafeBufferPointer { data in
            sums.withUnsafeMutableBufferPointer { sums in
                for r in 0..<(cols > 0 ? weights.rows : 0) {
                    let row = data.baseAddress! + r * cols
                    for c in 0..<cols {
                        let w = Double(row[c])
                        sums[c] += w * w
                    }
                }
            }
        }
        return sums.map { $0.squareRoot() }
    }

    /// The units of `survivors` kept after removing the `count` of them with the lowest score
    /// (ties: the lower index goes first), in ascending order.
    static func keepHighest(_ scores: [Double], among survivors: [Int], removing count: Int) -> [Int] {
        precondition(count >= 0 && count <= survivors.count, "cannot remove \(count) of \(survivors.count) units")
        let byScore = survivors.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }
        return byScore[count...].sorted()
    }
}
