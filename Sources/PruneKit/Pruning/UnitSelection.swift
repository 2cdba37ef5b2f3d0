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

    /// The units of `survivors` kept after removing the `count` of them with the lowest score
    /// (ties: the lower index goes first), in ascending order.
    static func keepHighest(_ scores: [Double], among survivors: [Int], removing count: Int) -> [Int] {
        precondition(count >= 0 && count <= survivors.count, "cannot remove \(count) of \(survivors.count) units")
        let byScore = survivors.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }
        return byScore[count...].sorted()
    }
}
