extension SeededGenerator {
    /// `count` distinct values of `0 ..< n`, uniformly at random: the first `count` steps of a
    /// Fisher-Yates shuffle, so drawing 1% of 800,000 weights does not shuffle all of them.
    mutating func drawDistinct(_ count: Int, from n: Int) -> [Int] {
        precondition(count >= 0 && count <= n, "cannot draw \(count) of \(n)")
        var pool = Array(0..<n)
        for i in 0..<count {
            pool.swapAt(i, i + nextInt(below: n - i))
        }
        return Array(pool[..<count])
    }
}
