/// The small-dense control's network: the same depth as the original, as many weights as a
/// pruned point keeps (Zhu & Gupta's question: does a large sparse network beat a small dense one?).
struct SmallDenseShape: Equatable, Sendable {
    /// `[inputs, hidden..., classes]`; inputs and classes as in the original.
    var layerSizes: [Int]
    /// The weights this shape has (biases aside): the count reached.
    var weightCount: Int
    /// Whether every hidden width is the original's times one factor (else chosen per layer).
    var uniformScale: Bool

    /// The tolerance within which one scale factor is good enough.
    static let tolerance = 0.01

    /// Weights of an MLP of these layer sizes.
    static func weightCount(_ sizes: [Int]) -> Int {
        zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The shape for `targetWeights` weights: hidden widths of `original` scaled by one factor when
    /// that lands within 1% of the target; otherwise widths chosen per layer (each 1 ... its
    /// original width) to come as near the target as they can.
    init(original: [Int], targetWeights: Int) {
        precondition(original.count >= 2, "layer sizes need inputs and outputs")
        let uniform = Self.uniformlyScaled(original, target: targetWeights)
        let uniformCount = Self.weightCount(uniform)
        if original.count == 2 || Self.within(uniformCount, of: targetWeights) {
            self.init(layerSizes: uniform, weightCount: uniformCount, uniformScale: true)
            return
        }
        let perLayer = Self.perLayer(original, target: targetWeights, start: uniform)
        let perLayerCount = Self.weightCount(perLayer)
        if abs(perLayerCount - targetWeights) < abs(uniformCount - targetWeights) {
            self.init(layerSizes: perLayer, weightCount: perLayerCount, uniformScale: false)
        } else {
            self.init(layerSizes: uniform, weightCount: uniformCount, uniformScale: true)
        }
    }

    init(layerSizes: [Int], weightCount: Int, uniformScale: Bool) {
        self.layerSizes = layerSizes
        self.weightCount = weightCount
        self.uniformScale = uniformScale
    }

    static func within(_ count: Int, of target: Int) -> Bool {
        Double(abs(count - target)) <= tolerance * Double(max(target, 1))
    }

    /// Hidden widths max(1, round(h * s)), for the s whose count comes nearest the target.
    static func uniformlyScaled(_ original: [Int], target: Int) -> [Int] {
        func sizes(_ s: Double) -> [Int] {
            original.enumerated().map { i, h in
                i == 0 || i == original.count - 1 ? h : min(h, max(1, Int((Double(h) * s).rounded())))
            }
        }
        // The count rises with s: bisect for the largest s whose count stays at or below the target.
        var low = 0.0, high = 1.0
        for _ in 0..<64 {
            let middle = (low + high) / 2
            if weightCount(sizes(middle)) <= target { low = middle } else { high = middle }
        }
        let below = sizes(low), above = sizes(high)
        return abs(weightCount(below) - target) <= abs(weightCount(above) - target) ? below : above
    }

    /// Per-layer widths: for every width of the first hidden layer, coordinate descent on the
    /// others (the count is linear in each width given its neighbours, so each pass sets every
    /// width to its best value in turn, until none moves); the nearest count wins. With two
    /// hidden layers this is exhaustive, so it finds the nearest reachable count.
    static func perLayer(_ original: [Int], target: Int, start: [Int]) -> [Int] {
        var best = start
        var bestDistance = abs(weightCount(start) - target)
        for first in 1...original[1] {
            var sizes = start
            sizes[1] = first
            descend(&sizes, original: original, target: target, from: 2)
            let distance = abs(weightCount(sizes) - target)
            if distance < bestDistance {
                best = sizes
                bestDistance = distance
            }
        }
        return best
    }

    private static func descend(_ sizes: inout [Int], original: [Int], target: Int, from firstFree: Int) {
        guard firstFree < sizes.count - 1 else { return }
        for _ in 0..<1000 {
            var moved = false
            for i in firstFree..<sizes.count - 1 {
                let coefficient = sizes[i - 1] + sizes[i + 1]
                let rest = weightCount(sizes) - coefficient * sizes[i]
                let ideal = Double(target - rest) / Double(coefficient)
                // The widths either side of the ideal; the nearer count wins (ties: the smaller width).
                let candidates = [Int(ideal.rounded(.down)), Int(ideal.rounded(.up))].map { min(original[i], max(1, $0)) }
                let best = candidates.min { abs(rest + coefficient * $0 - target) < abs(rest + coefficient * $1 - target) }!
                if abs(rest + coefficient * best - target) < abs(rest + coefficient * sizes[i] - target) {
                    sizes[i] = best
                    moved = true
                }
            }
            if !moved { break }
        }
    }
}
